#include "net/sync_gateway.h"

#include "base/log.h"
#include "core/ids.h"
#include "sync/errc.h"
#include "sync/fanout_frame.h"
#include "sync/typing_signal.h"
#include "wire/codec.h"
#include "wire/json_codec.h"
#include "wire/topics.h"

namespace iris::net {

using wire::UserTopic;

mqtt::ReasonCode puback_reason(wire::ErrorCode e) {
  using wire::ErrorCode;
  using mqtt::ReasonCode;
  switch (e) {
    case ErrorCode::not_participant:
    case ErrorCode::forbidden:
    case ErrorCode::not_accepted:
    case ErrorCode::too_late:
    case ErrorCode::unknown_thread: return ReasonCode::not_authorized;
    case ErrorCode::too_large:
    case ErrorCode::queue_full:
    case ErrorCode::rate_limited: return ReasonCode::quota_exceeded;
    case ErrorCode::bad_encoding: return ReasonCode::payload_format_invalid;
    case ErrorCode::unknown_message:
    case ErrorCode::invalid_request: return ReasonCode::implementation_specific_error;
    case ErrorCode::unavailable:
    case ErrorCode::internal: return ReasonCode::unspecified_error;
  }
  return ReasonCode::unspecified_error;
}

sync::Encoding encoding_of(std::string_view payload) {
  return !payload.empty() && payload.front() == '{' ? sync::Encoding::json : sync::Encoding::thrift_compact;
}

namespace {

bool is_service_topic(std::string_view topic) {
  return wire::user_of_topic(topic, UserTopic::sync) || wire::thread_of_typing_topic(topic) ||
         topic == sync::kFanoutTopic || topic == sync::kTypingLinkTopic;
}

sync::ConnId sync_conn(mqtt::ConnId conn) { return sync::ConnId{conn.value()}; }

}  // namespace

SyncGateway::SyncGateway(mqtt::Broker& broker, OwnsUser owns) : broker_(broker), owns_(std::move(owns)) {}

void SyncGateway::attach(std::unique_ptr<sync::SyncShard> sync) {
  sync_ = std::move(sync);
  broker_.set_intercept(is_service_topic);
}

void SyncGateway::on_intercept(mqtt::InterceptAction& request) {
  if (request.topic == sync::kFanoutTopic) return on_fanout(request);
  if (request.topic == sync::kTypingLinkTopic) return on_cell_typing(request);
  if (auto thread = wire::thread_of_typing_topic(request.topic)) return on_typing(request, *thread);
  const auto& text = request.user;
  const auto user = core::parse_id(text);
  if (!sync_ || !user) {
    // Only authenticated Iris users (numeric ids) have queues.
    if (request.packet_id != 0) broker_.complete(request.conn, request.packet_id, mqtt::ReasonCode::not_authorized);
    return;
  }
  if (users_.emplace(request.conn, text).second) {
    sync_->on_connected(sync_conn(request.conn), core::UserId{*user}, core::DeviceId{request.client_id});
  }
  const std::string_view payload = request.payload.view();
  sync_->on_request(sync_conn(request.conn), sync::RequestTag{request.packet_id}, encoding_of(payload), payload);
}

void SyncGateway::on_fanout(mqtt::InterceptAction& request) {
  const mqtt::ConnId conn = request.conn;
  const mqtt::PacketId packet_id = request.packet_id;
  // The authorizer lets only cell peers publish here; QoS 0 would leave nothing to confirm.
  if (!sync_ || !is_cell_peer(mqtt::Identity{request.user}) || packet_id == 0) {
    if (packet_id != 0) broker_.complete(conn, packet_id, mqtt::ReasonCode::not_authorized);
    return;
  }
  sync::FanoutFrameLimits limits;
  limits.max_recipients = sync_->options().requests.max_participants;
  auto frame = sync::decode_fanout_frame(request.payload.view(), limits);
  if (!frame) {
    IRIS_LOG(warn, "net", "cell link: peer {} sent a frame this server refuses ({}): disconnected",
             request.user, frame.error().message());
    broker_.close(conn, mqtt::errc::protocol_error, mqtt::Clock::now());
    return;
  }
  sync_->accept_fanout(std::move(*frame), [this, conn, packet_id](Result<void> r) {
    mqtt::ReasonCode rc = mqtt::ReasonCode::success;
    if (!r) rc = r.error() == sync::errc::not_owner ? mqtt::ReasonCode::implementation_specific_error : mqtt::ReasonCode::unspecified_error;
    broker_.complete(conn, packet_id, rc);
  });
}

void SyncGateway::on_delivered(mqtt::ConnId conn, std::uint64_t token) {
  if (sync_) sync_->on_delivered(sync_conn(conn), token);
}

void SyncGateway::on_keep_alive(mqtt::ConnId conn) {
  if (sync_) sync_->on_keep_alive(sync_conn(conn));
}

void SyncGateway::on_gone(mqtt::ConnId conn) {
  if (sync_) sync_->on_disconnected(sync_conn(conn));
  users_.erase(conn);
}

// A typing signal: QoS 0 and never retained, whatever the publisher asked (docs/PROTOCOL.md
// "Ephemeral topics"). The authorizer has already checked membership for this PUBLISH.
//  - RETAIN set: refused (5.0 PUBACK 0x87 at QoS 1; at QoS 0 MQTT has no way to say no).
//    Keeping it would replay a stale "typing" to every later subscriber.
//  - QoS 1: accepted and passed on at QoS 0 (the subscribers' QoS is capped by the message's);
//    the PUBACK only says the server took it.
//  - payload not a Typing of this thread: refused, 5.0 PUBACK 0x99.
void SyncGateway::on_typing(mqtt::InterceptAction& request, std::string_view thread_text) {
  const auto user = core::parse_id(request.user);
  const auto thread = core::parse_id(thread_text);
  auto done = [&](mqtt::ReasonCode rc) {
    if (request.packet_id != 0) broker_.complete(request.conn, request.packet_id, rc);
  };
  if (!user || !thread || request.retain) return done(mqtt::ReasonCode::not_authorized);
  auto signal = sync::accept_typing(request.payload.view(), core::UserId{*user}, core::ThreadId{*thread});
  if (!signal) return done(mqtt::ReasonCode::payload_format_invalid);
  typing(*signal);
  done(mqtt::ReasonCode::success);
}

// A typing signal another server of the cell checked and passes on: delivered here only (never
// passed on again), to this server's subscribers of the thread's typing topics (only
// participants may subscribe there) and its poll devices (checked per participant).
void SyncGateway::on_cell_typing(mqtt::InterceptAction& request) {
  if (!is_cell_peer(mqtt::Identity{request.user})) return;  // the authorizer already refused it
  auto decoded = wire::decode<wire::Message>(request.payload.view());
  const auto* signal = decoded ? std::get_if<wire::Typing>(&*decoded) : nullptr;
  if (signal == nullptr || signal->user.value() == 0 || signal->thread.value() == 0) {
    IRIS_LOG(warn, "net", "cell link: peer {} sent a typing signal this server refuses: disconnected", request.user);
    broker_.close(request.conn, mqtt::errc::protocol_error, mqtt::Clock::now());
    return;
  }
  deliver_typing(*signal);
}

bool SyncGateway::typing(const wire::Typing& signal) {
  deliver_typing(signal);
  if (cell_typing_) cell_typing_(signal);
  return true;
}

void SyncGateway::deliver_typing(const wire::Typing& signal) {
  const wire::Message m{signal};
  for (auto [topic, payload] : {std::pair{wire::typing_topic(signal.thread), wire::encode(m)},
                                std::pair{wire::typing_json_topic(signal.thread), wire::encode_json(m)}}) {
    mqtt::Message message;
    message.topic = std::move(topic);
    message.payload = mqtt::Payload(std::move(payload));
    message.qos = mqtt::QoS::at_most_once;
    // Forwarded by the shard like a client's message, carrying its shared group choice.
    broker_.publish(std::move(message), mqtt::Clock::now(), mqtt::Broker::Reach::every_broker);
  }
  if (poll_typing_) poll_typing_(signal);
}

void SyncGateway::push(sync::ConnId conn, std::string payload, std::uint64_t token) {
  const mqtt::ConnId id{conn.value()};
  const auto it = users_.find(id);
  if (it == users_.end()) return;
  broker_.push(id, wire::user_topic(it->second, UserTopic::deltas), mqtt::Payload(std::move(payload)),
               mqtt::QoS::at_least_once, token, mqtt::Clock::now());
}

void SyncGateway::signal(sync::ConnId conn, std::string payload) {
  const mqtt::ConnId id{conn.value()};
  const auto it = users_.find(id);
  if (it == users_.end()) return;
  broker_.push(id, wire::user_topic(it->second, UserTopic::deltas), mqtt::Payload(std::move(payload)),
               mqtt::QoS::at_most_once, 0, mqtt::Clock::now());
}

void SyncGateway::reply(sync::ConnId conn, sync::RequestTag tag, std::optional<wire::ErrorCode> error,
                        std::string payload) {
  const mqtt::ConnId id{conn.value()};
  const auto it = users_.find(id);
  if (it == users_.end()) return;
  // The result first, so a client that waits for the PUBACK finds it already there. QoS 0:
  // a result lost with its connection is lost with the PUBACK behind it, so the device sends
  // the request again and gets the same result (requests are idempotent by client id); an
  // acknowledgement would only cost the device a packet and a TLS record per request, and
  // at QoS 1 a full in-flight window could hold the result back behind the PUBACK.
  if (!payload.empty()) {
    broker_.push(id, wire::user_topic(it->second, UserTopic::responses), mqtt::Payload(std::move(payload)),
                 mqtt::QoS::at_most_once, 0, mqtt::Clock::now());
  }
  // The tag is the PUBLISH's packet id (on_intercept), 0 at QoS 0: nothing to acknowledge.
  const auto packet_id = static_cast<mqtt::PacketId>(tag.value());
  if (packet_id != 0) {
    broker_.complete(id, packet_id, error ? puback_reason(*error) : mqtt::ReasonCode::success);
  }
}

bool SyncGateway::tracing(core::UserId user) {
  return broker_.has_subscribers(wire::user_topic(user, UserTopic::trace));
}

// Every follower of a user's trace is that user (the authorizer allows u/<user>/... to that
// user only), so its sessions are on this broker: no forwarding.
void SyncGateway::trace(core::UserId user, std::string json) {
  mqtt::Message m;
  m.topic = wire::user_topic(user, UserTopic::trace);
  m.payload = mqtt::Payload(std::move(json));
  m.qos = mqtt::QoS::at_most_once;
  broker_.publish(std::move(m), mqtt::Clock::now());
}

bool SyncGateway::listening(core::UserId user) {
  return broker_.has_subscribers(wire::user_topic(user, UserTopic::notify));
}

// The legacy pull baseline's "something changed" (sync/baseline_view.h). Like the trace,
// only the user subscribes there, so its sessions are on this broker.
void SyncGateway::notify(core::UserId user, std::string payload) {
  mqtt::Message m;
  m.topic = wire::user_topic(user, UserTopic::notify);
  m.payload = mqtt::Payload(std::move(payload));
  m.qos = mqtt::QoS::at_least_once;
  broker_.publish(std::move(m), mqtt::Clock::now());
}

void SyncGateway::revoke_thread(core::UserId user, core::ThreadId thread) {
  const auto n = broker_.drop_subscriptions(std::to_string(user.value()), wire::thread_root(thread));
  if (n > 0) IRIS_LOG(debug, "net", "user {} left thread {}: {} subscriptions dropped", user.value(), thread.value(), n);
}

bool SyncGateway::is_participant(std::string_view user, std::string_view thread) const {
  const auto u = core::parse_id(user);
  const auto t = core::parse_id(thread);
  if (!sync_ || !u || !t) return false;
  if (!owns_(core::UserId{*u})) return false;
  return sync_->resident_participant(core::UserId{*u}, core::ThreadId{*t}).value_or(false);
}

void SyncGateway::on_accepted(std::string_view user) {
  const auto u = core::parse_id(user);
  if (!sync_ || !u || !owns_(core::UserId{*u})) return;  // anonymous, or not an Iris user
  sync_->make_resident(core::UserId{*u});
}

}  // namespace iris::net
