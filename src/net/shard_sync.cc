// The seam between a shard's MQTT broker and its sync service (detail/shard.h): intercepted
// requests and typing signals in; pushes, replies, signals, traces and revocations out.
#include "net/detail/shard.h"

#include <boost/asio/post.hpp>

#include "base/log.h"
#include "base/thread_name.h"
#include "net/detail/server_core.h"
#include "net/event_loop.h"
#include "sync/typing_signal.h"
#include "wire/codec.h"
#include "wire/json_codec.h"

namespace iris::net::detail {

namespace {

// The one mapping from the sync service's error codes to PUBACK reason codes (MQTT 5.0
// §3.4.2.1 allows only a few); the exact code travels in the Error on the response topic.
mqtt::ReasonCode to_reason(wire::ErrorCode e) {
  using wire::ErrorCode;
  using mqtt::ReasonCode;
  switch (e) {
    case ErrorCode::not_participant:
    case ErrorCode::forbidden:
    case ErrorCode::unknown_thread: return ReasonCode::not_authorized;
    case ErrorCode::too_large:
    case ErrorCode::queue_full:
    case ErrorCode::rate_limited: return ReasonCode::quota_exceeded;
    case ErrorCode::bad_encoding: return ReasonCode::payload_format_invalid;
    case ErrorCode::invalid_request: return ReasonCode::implementation_specific_error;
    case ErrorCode::unavailable:
    case ErrorCode::internal: return ReasonCode::unspecified_error;
  }
  return ReasonCode::unspecified_error;
}

// u/<user>/sync: the one topic a device sends its requests on.
bool is_sync_topic(std::string_view topic) {
  if (topic.size() <= 2 + 5 || !topic.starts_with("u/") || !topic.ends_with("/sync")) return false;
  const std::string_view user = topic.substr(2, topic.size() - 2 - 5);
  return !user.empty() && user.find('/') == std::string_view::npos;
}

// An Iris id as a topic level or user name: canonical, so that each id has exactly one
// spelling and hashes to one owner shard.
using core::parse_id;

// t/<thread>/typing: the ephemeral typing signal of a thread (docs/PROTOCOL.md). Its JSON
// twin t/<thread>/typing/json is only ever published by the server.
constexpr std::string_view kTypingSuffix = "/typing";
std::optional<std::string_view> typing_thread(std::string_view topic) {
  if (topic.size() <= 2 + kTypingSuffix.size() || !topic.starts_with("t/") ||
      !topic.ends_with(kTypingSuffix)) {
    return std::nullopt;
  }
  const std::string_view thread = topic.substr(2, topic.size() - 2 - kTypingSuffix.size());
  if (thread.empty() || thread.find('/') != std::string_view::npos) return std::nullopt;
  return thread;
}

bool is_service_topic(std::string_view topic) {
  return is_sync_topic(topic) || typing_thread(topic).has_value();
}

thread_local Shard* current_shard = nullptr;

}  // namespace

void Shard::attach_sync(std::unique_ptr<sync::SyncShard> sync) {
  sync_ = std::move(sync);
  broker_.set_intercept(is_service_topic);
}

Shard* Shard::current() { return current_shard; }

void Shard::run_as_current() {
  name_this_thread(("iris-net-" + std::to_string(index_)).c_str());
  current_shard = this;
  run_event_loop(io_, "shard " + std::to_string(index_));
  current_shard = nullptr;
}

// Why this needs no lock: the broker asks its authorizer on its own thread, about one of its
// own sessions, and a session lives on the broker that owns its user name (connect_peek
// routes every connection of a user there; the token binds the user name to the user). So
// the thread asking is the owner shard of `user`, the one whose SyncShard holds that user's
// inbox, and nothing else ever touches it. The owner check below only guards that argument.
bool Shard::is_participant(std::string_view user, std::string_view thread) {
  const auto u = parse_id(user);
  const auto t = parse_id(thread);
  if (!sync_ || !u || !t) return false;
  if (owner_index(user, core_.shard_count()) != index_) {
    if (may_log()) IRIS_LOG(warn, "net", "membership of user {} asked on shard {}, not its owner", user, index_);
    return false;
  }
  return sync_->is_participant(core::UserId{*u}, core::ThreadId{*t});
}

void Shard::run_sync(const std::function<void(sync::SyncShard&)>& fn) {
  if (!sync_ || stopping_) return;
  fn(*sync_);
  run_broker();
}

void Shard::post_sync(std::function<void(sync::SyncShard&)> fn) {
  bool first = false;
  {
    std::lock_guard lock(sync_inbox_mutex_);
    first = sync_inbox_.empty();
    sync_inbox_.push_back(std::move(fn));
  }
  if (first) asio::post(io_, [this] { drain_sync(); });
}

void Shard::drain_sync() {
  {
    std::lock_guard lock(sync_inbox_mutex_);
    sync_running_.swap(sync_inbox_);
  }
  for (auto& fn : sync_running_) {
    if (sync_ && !stopping_) fn(*sync_);
  }
  sync_running_.clear();
  run_broker();
}

void Shard::on_intercept(mqtt::InterceptAction& request) {
  if (typing_thread(request.topic)) return on_typing(request);
  const auto& text = request.user;
  const auto parsed = parse_id(text);
  const std::uint64_t user = parsed.value_or(0);
  if (!sync_ || !parsed) {
    // Only authenticated Iris users (numeric ids) have queues.
    if (request.packet_id != 0) broker_.complete(request.conn, request.packet_id, mqtt::ReasonCode::not_authorized);
    return;
  }
  if (sync_users_.emplace(request.conn, text).second) {
    sync_->on_connected(request.conn.value(), core::UserId{user}, core::DeviceId{request.client_id});
  }
  sync_->on_request(request.conn.value(), request.packet_id, request.payload.view());
}

// A typing signal: QoS 0 and never retained, whatever the publisher asked (docs/PROTOCOL.md
// "Ephemeral topics"). The authorizer has already checked membership for this PUBLISH.
//  - RETAIN set: refused (5.0 PUBACK 0x87 at QoS 1; at QoS 0 MQTT has no way to say no).
//    Keeping it would replay a stale "typing" to every later subscriber.
//  - QoS 1: accepted and passed on at QoS 0 (the subscribers' QoS is capped by the message's);
//    the PUBACK only says the server took it.
//  - payload not a Typing of this thread: refused, 5.0 PUBACK 0x99.
void Shard::on_typing(mqtt::InterceptAction& request) {
  const std::string_view thread_text = *typing_thread(request.topic);
  const auto user = parse_id(request.user);
  const auto thread = parse_id(thread_text);
  auto done = [&](mqtt::ReasonCode rc) {
    if (request.packet_id != 0) broker_.complete(request.conn, request.packet_id, rc);
  };
  if (!user || !thread || request.retain) return done(mqtt::ReasonCode::not_authorized);
  auto typing = sync::accept_typing(request.payload.view(), core::UserId{*user}, core::ThreadId{*thread});
  if (!typing) return done(mqtt::ReasonCode::payload_format_invalid);
  const wire::Message m{*typing};
  for (auto [topic, payload] : {std::pair{std::string(request.topic), wire::encode(m)},
                                std::pair{std::string(request.topic) + "/json", wire::encode_json(m)}}) {
    mqtt::Message message;
    message.topic = std::move(topic);
    message.payload = mqtt::Payload(std::move(payload));
    message.qos = mqtt::QoS::at_most_once;
    // Forwarded by run_broker like a client's message, carrying its shared group choice.
    broker_.publish(std::move(message), mqtt::Clock::now(), mqtt::Broker::Reach::every_broker);
  }
  done(mqtt::ReasonCode::success);
}

void Shard::signal(sync::ConnId conn, std::string payload) {
  const auto it = sync_users_.find(mqtt::ConnId{conn});
  if (it == sync_users_.end()) return;
  broker_.push(mqtt::ConnId{conn}, "u/" + it->second + "/deltas", mqtt::Payload(std::move(payload)),
               mqtt::QoS::at_most_once, 0, mqtt::Clock::now());
}

bool Shard::tracing(core::UserId user) {
  return broker_.has_subscribers(fmt::format("u/{}/trace", user.value()));
}

// Every follower of a user's trace is that user (the authorizer allows u/<user>/... to that
// user only), so its sessions are on this broker: no forwarding.
void Shard::trace(core::UserId user, std::string json) {
  mqtt::Message m;
  m.topic = fmt::format("u/{}/trace", user.value());
  m.payload = mqtt::Payload(std::move(json));
  m.qos = mqtt::QoS::at_most_once;
  broker_.publish(std::move(m), mqtt::Clock::now());
}

bool Shard::baseline_listening(core::UserId user) {
  return broker_.has_subscribers(fmt::format("u/{}/notify", user.value()));
}

// The legacy pull baseline's "something changed" (sync/baseline_view.h). Like the trace,
// only the user subscribes there, so its sessions are on this broker.
void Shard::baseline_notify(core::UserId user, std::string payload) {
  mqtt::Message m;
  m.topic = fmt::format("u/{}/notify", user.value());
  m.payload = mqtt::Payload(std::move(payload));
  m.qos = mqtt::QoS::at_least_once;
  broker_.publish(std::move(m), mqtt::Clock::now());
}

void Shard::revoke_thread(core::UserId user, core::ThreadId thread) {
  const auto n = broker_.drop_subscriptions(std::to_string(user.value()), fmt::format("t/{}", thread.value()));
  if (n > 0) IRIS_LOG(debug, "net", "user {} left thread {}: {} subscriptions dropped", user.value(), thread.value(), n);
}

void Shard::push(sync::ConnId conn, std::string payload, std::uint64_t token) {
  const auto it = sync_users_.find(mqtt::ConnId{conn});
  if (it == sync_users_.end()) return;
  broker_.push(mqtt::ConnId{conn}, "u/" + it->second + "/deltas", mqtt::Payload(std::move(payload)),
               mqtt::QoS::at_least_once, token, mqtt::Clock::now());
}

void Shard::reply(sync::ConnId conn, std::uint16_t packet_id, std::optional<wire::ErrorCode> error,
                  std::string payload) {
  const mqtt::ConnId id{conn};
  const auto it = sync_users_.find(id);
  if (it == sync_users_.end()) return;
  // The result first, so a client that waits for the PUBACK finds it already there. QoS 0:
  // a result lost with its connection is lost with the PUBACK behind it, so the device sends
  // the request again and gets the same result (requests are idempotent by client id); an
  // acknowledgement would only cost the device a packet and a TLS record per request, and
  // at QoS 1 a full in-flight window could hold the result back behind the PUBACK.
  if (!payload.empty()) {
    broker_.push(id, "u/" + it->second + "/responses", mqtt::Payload(std::move(payload)),
                 mqtt::QoS::at_most_once, 0, mqtt::Clock::now());
  }
  if (packet_id != 0) {
    broker_.complete(id, packet_id, error ? to_reason(*error) : mqtt::ReasonCode::success);
  }
}

}  // namespace iris::net::detail
