#include "mqtt/broker.h"

#include <algorithm>
#include <set>

#include "base/log.h"
#include "mqtt/decoder.h"
#include "mqtt/encoder.h"
#include "mqtt/topic.h"
#include "mqtt/topic_aliases.h"

namespace iris::mqtt {
namespace {

constexpr std::uint32_t kNeverExpires = 0xFFFFFFFF;  // MQTT 5.0 §3.1.2.11.2
// Every shared subscription filter starts with it (MQTT 5.0 §4.8.2), so a session's sorted
// filters hold its shared ones in one range.
constexpr std::string_view kSharePrefix = "$share/";

// Queue-full drops are logged at most once a minute per session, and at most this many lines
// per tick across the broker (the next line of a session counts what it left out).
constexpr auto kDropLogInterval = std::chrono::minutes(1);
constexpr std::uint32_t kDropLogLinesPerTick = 10;

bool is_v5(Version v) { return v == Version::v5; }

// Seconds left before `at`, rounded up, for Message Expiry Interval on delivery.
std::uint32_t seconds_left(TimePoint at, TimePoint now) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at - now).count();
  return static_cast<std::uint32_t>(std::max<std::int64_t>(1, (ms + 999) / 1000));
}

errc as_errc(std::error_code ec) {
  if (ec.category() == error_category()) return static_cast<errc>(ec.value());
  return errc::not_authorized;
}

}  // namespace

// One QoS > 0 delivery to a session: waiting in its queue, or in flight.
struct Broker::Outgoing {
  enum class State : std::uint8_t { queued, publish_sent, pubrel_sent };
  MessagePtr message;
  std::vector<std::uint32_t> subscription_ids;
  PacketId packet_id = 0;
  QoS qos = QoS::at_most_once;
  bool retain = false;
  State state = State::queued;
  std::uint64_t token = 0;  // push(): reported back in a DeliveredAction when acknowledged
};

std::size_t Broker::SessionKeyHash::operator()(const SessionKeyView& k) const {
  std::size_t h = std::hash<std::string_view>{}(k.user);
  h ^= std::hash<std::string_view>{}(k.client_id) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return k.anonymous ? ~h : h;
}

// Session state (MQTT 5.0 §4.1): survives its connection for the session expiry interval.
struct Broker::Session {
  SessionKey key;  // also who it is (key.identity) and its client id: kept once per session
  SubscriberId subscriber;
  Connection* connection = nullptr;  // the attached connection; null while offline
  TimePoint expires_at{};            // while offline
  std::set<std::string, std::less<>> filters;
  // In-flight QoS 1/2 deliveries in send order (at most the window), then the queue.
  std::vector<Outgoing> inflight;
  std::vector<Outgoing> queue;
  std::size_t queue_head = 0;
  // QoS 2 packet ids received and PUBREC'd, awaiting PUBREL (MQTT 5.0 §4.3.3, method B:
  // the message is routed on PUBLISH, the id only stops a duplicate from routing again).
  std::vector<PacketId> inbound_qos2;
  // When the last line about queue-full drops went out (never: TimePoint::min()), and the
  // drops since it. The small fields sit together: a session is the per-client cost of an idle
  // connection (docs/BENCHMARKS.md "mqtt", idle bytes per connection).
  TimePoint last_drop_log = TimePoint::min();
  std::uint32_t drops_unlogged = 0;
  std::uint32_t expiry_interval = 0;  // seconds
  PacketId last_packet_id = 0;

  std::size_t queued() const { return queue.size() - queue_head; }
};

struct Broker::Connection {
  enum class State : std::uint8_t { awaiting_connect, connected };
  Connection(ConnId i, std::uint32_t max_packet_size, TimePoint now)
      : id(i), decoder(max_packet_size), since(now), last_received(now) {}

  ConnId id;
  Decoder decoder;
  // Awaiting CONNECT: when the connection opened (MqttOptions::connect_timeout). Connected:
  // when the first byte of a packet not yet complete arrived (MqttOptions::
  // partial_packet_timeout), TimePoint::min() between packets. One field serves both because
  // this struct is most of the broker's cost of an idle connection (docs/BENCHMARKS.md).
  TimePoint since;
  TimePoint last_received;
  Session* session = nullptr;  // set while connected; the session outlives this pointer
  std::unique_ptr<Will> will;
  // Aliases the client set and those we set towards it (MQTT 5.0 §3.3.2.3.4).
  TopicAliases aliases;
  std::uint32_t client_max_packet_size = 0xFFFFFFFF;
  std::uint16_t keep_alive = 0;     // seconds, 0 = none
  std::uint16_t send_window = 0;    // in-flight QoS 1/2 towards the client
  Version version = Version::v3_1_1;
  State state = State::awaiting_connect;
  bool over_limit = false;
  bool intercepted = false;  // had a PUBLISH intercepted: report a GoneAction at the end
};

struct Broker::PendingWill {
  SessionKey key;  // whose will; key.identity.user is the retained quota's account
  TimePoint due;
  MessagePtr message;
};

Broker::Broker(const MqttOptions& options, Authenticator& authenticator, Authorizer& authorizer)
    : options_(options),
      authenticator_(authenticator),
      authorizer_(authorizer),
      subscriptions_(options.wildcard_hidden_roots),
      prefer_connected_([this](SubscriberId id) {
        const auto it = by_subscriber_.find(id);
        return it != by_subscriber_.end() && it->second->connection != nullptr;
      }),
      own_quota_(options),
      quota_(&own_quota_) {}

Broker::~Broker() {
  // Sessions end with the broker: its members must not be chosen for anybody's messages.
  if (!shared_) return;
  for (const auto& [client_id, s] : sessions_) {
    for (auto f = s->filters.lower_bound(kSharePrefix);
         f != s->filters.end() && f->starts_with(kSharePrefix); ++f) {
      if (const auto shared = parse_shared_subscription(*f)) {
        shared_->leave(shared->group, shared->filter, member(*s));
      }
    }
  }
}

std::vector<Action> Broker::take_actions() { return std::exchange(actions_, {}); }

void Broker::on_open(ConnId conn, TimePoint now) {
  auto c = std::make_unique<Connection>(
      conn, std::min(options_.max_connect_packet_size, options_.max_packet_size), now);
  c->over_limit = connections_.size() >= options_.max_connections;
  connections_[conn] = std::move(c);
  metrics_.connections_open = connections_.size();
}

void Broker::on_bytes(ConnId conn, std::span<const std::uint8_t> bytes, TimePoint now) {
  auto it = connections_.find(conn);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  c.decoder.put(bytes);
  while (true) {
    auto next = c.decoder.next();
    if (!next) {
      const errc why = as_errc(next.error());
      if (c.state == Connection::State::connected) return fail_connection(c, why, now);
      count_error(why);
      if (why == errc::unsupported_protocol_version) {
        // MQTT 3.1.1 §3.1.2.2 / 5.0 §3.1.2.2: CONNACK 0x01 (5.0: 0x84) then close; the
        // 3.1.1 layout is the one any client can read.
        const Version v = c.decoder.version().value_or(Version::v3_1_1);
        return refuse_connect(c, v, why, now);
      }
      // A malformed CONNECT: 5.0 clients are told why in CONNACK (MQTT 5.0 §3.2.2.2);
      // 3.1.1 has no code for it and the connection just closes (MQTT-3.1.4-1).
      if (c.decoder.version() == Version::v5) return refuse_connect(c, Version::v5, why, now);
      return close_connection(c, make_error_code(why), now);
    }
    if (!*next) {
      // What is left is the start of a packet: it has partial_packet_timeout to complete
      // (before CONNECT, connect_timeout bounds everything).
      if (c.state == Connection::State::connected) {
        if (c.decoder.buffered() == 0) {
          c.since = TimePoint::min();
        } else if (c.since == TimePoint::min()) {
          c.since = now;
        }
      }
      return;
    }
    c.last_received = now;
    if (c.state == Connection::State::connected) c.since = TimePoint::min();
    dispatch(c, **next, now);
    if (!connections_.contains(conn)) return;  // the packet closed the connection
  }
}

void Broker::on_close(ConnId conn, TimePoint now) {
  const auto it = connections_.find(conn);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  // An unexpected close: the will is published (MQTT 5.0 §3.1.2.5). The transport is
  // already closed, so no CloseAction.
  close_connection(c, std::error_code(), now, Emit::nothing);
}

void Broker::dispatch(Connection& c, Packet& packet, TimePoint now) {
  if (c.state == Connection::State::awaiting_connect) {
    // The decoder admits only CONNECT before the version is known.
    return on_connect(c, std::get<Connect>(packet), now);
  }
  switch (packet_type(packet)) {
    case PacketType::publish: return on_publish(c, std::get<Publish>(packet), now);
    case PacketType::puback: return on_puback(c, std::get<PubAck>(packet), now);
    case PacketType::pubrec: return on_pubrec(c, std::get<PubRec>(packet), now);
    case PacketType::pubrel: return on_pubrel(c, std::get<PubRel>(packet));
    case PacketType::pubcomp: return on_pubcomp(c, std::get<PubComp>(packet), now);
    case PacketType::subscribe: return on_subscribe(c, std::get<Subscribe>(packet), now);
    case PacketType::unsubscribe: return on_unsubscribe(c, std::get<Unsubscribe>(packet));
    case PacketType::pingreq:
      send(c, PingResp{});
      if (c.intercepted) actions_.push_back(KeepAliveAction{c.id});
      return;
    case PacketType::disconnect: return on_disconnect(c, std::get<Disconnect>(packet), now);
    default:
      // A second CONNECT (MQTT-3.1.0-2), AUTH without an authentication method
      // (MQTT 5.0 §4.12), or a packet only a server sends.
      return fail_connection(c, errc::protocol_error, now);
  }
}

// --- CONNECT (MQTT 5.0 §3.1.4) ---

void Broker::on_connect(Connection& c, Connect& connect, TimePoint now) {
  c.version = connect.version;
  const bool v5 = is_v5(c.version);
  if (c.over_limit) return refuse_connect(c, c.version, errc::too_many_connections, now);
  if (connect.props.authentication_method) {
    return refuse_connect(c, c.version, errc::bad_authentication_method, now);
  }
  bool assigned = false;
  if (connect.client_id.empty()) {
    // 3.1.1 allows an empty id only with clean session (MQTT-3.1.3-7, -8).
    if (!v5 && !connect.clean_start) {
      return refuse_connect(c, c.version, errc::client_id_rejected, now);
    }
    connect.client_id = "iris-" + std::to_string(next_assigned_id_++);
    assigned = true;
  }
  if (connect.client_id.size() > options_.max_client_id_length) {
    return refuse_connect(c, c.version, errc::client_id_rejected, now);
  }
  SessionKey key{!connect.username.has_value(), {}, connect.client_id};
  if (connect.username) {
    auto who = authenticator_.authenticate(
        {connect.client_id, connect.username,
         connect.password ? std::optional<std::string_view>(*connect.password) : std::nullopt});
    if (!who) {
      const errc why = as_errc(who.error());
      return refuse_connect(
          c, c.version,
          why == errc::bad_user_name_or_password ? why : errc::not_authorized, now);
    }
    key.identity = std::move(*who);
  } else if (!options_.allow_anonymous) {
    return refuse_connect(c, c.version, errc::not_authorized, now);
  }
  if (connect.will) {
    // The Will passes what a PUBLISH of it would, now rather than at the disconnect
    // (MQTT 5.0 §3.2.2.2: 0x87 in CONNACK; 3.1.1 0x05). A service topic takes requests on
    // a live connection, which a Will never has, so it is refused too.
    const auto route = check_publish(key.identity, connect.client_id, connect.will->topic,
                                     connect.will->retain);
    if (!route || *route == Route::intercept) {
      return refuse_connect(c, c.version, errc::not_authorized, now);
    }
  }

  std::uint32_t expiry = 0;
  if (v5) {
    expiry = std::min(connect.props.session_expiry_interval.value_or(0),
                      options_.max_session_expiry_interval);
  } else if (!connect.clean_start) {
    expiry = options_.max_session_expiry_interval;
  }

  // Session takeover (MQTT 5.0 §3.1.4 step 3): the older connection is closed with
  // "session taken over"; its will follows the usual rules.
  auto existing = sessions_.find(view_of(key));
  if (existing != sessions_.end() && existing->second->connection) {
    ++metrics_.session_takeovers;
    fail_connection(*existing->second->connection, errc::session_taken_over, now);
    existing = sessions_.find(view_of(key));
  }
  if (existing != sessions_.end() && connect.clean_start) {
    end_session(*existing->second, now);
    existing = sessions_.end();
  }
  // A reconnection before the will delay elapsed cancels the will (MQTT 5.0 §3.1.3.2.2).
  std::erase_if(pending_wills_,
                [&](const PendingWill& w) { return w.key == key; });

  const bool session_present = existing != sessions_.end();
  Session* s;
  if (session_present) {
    s = existing->second.get();
  } else {
    auto fresh = std::make_unique<Session>();
    fresh->key = key;
    fresh->subscriber = SubscriberId{next_subscriber_++};
    s = fresh.get();
    by_subscriber_[s->subscriber] = s;
    sessions_.emplace(view_of(s->key), std::move(fresh));
  }
  s->expiry_interval = expiry;
  s->connection = &c;
  c.session = s;
  c.state = Connection::State::connected;
  c.since = TimePoint::min();  // no packet pending: the CONNECT was whole
  if (session_present) share_state(*s);
  if (connect.will) c.will = std::make_unique<Will>(std::move(*connect.will));
  c.decoder.set_max_packet_size(options_.max_packet_size);
  c.keep_alive = connect.keep_alive;
  Connack ack;
  ack.session_present = session_present;
  if (options_.max_keep_alive != 0 &&
      (c.keep_alive == 0 || c.keep_alive > options_.max_keep_alive)) {
    // 5.0 is told (Server Keep Alive); 3.1.1 cannot be (§3.1.2.10) and is held to it anyway:
    // otherwise a dead client that asked for 0 would hold its connection forever.
    c.keep_alive = options_.max_keep_alive;
    if (v5) ack.props.server_keep_alive = c.keep_alive;
  }
  if (v5) {
    c.send_window = std::min(connect.props.receive_maximum.value_or(0xFFFF),
                             options_.max_inflight_messages);
    c.client_max_packet_size = connect.props.maximum_packet_size.value_or(0xFFFFFFFF);
    c.aliases.set_inbound_max(options_.topic_alias_maximum);
    c.aliases.set_outbound_max(
        std::min(connect.props.topic_alias_maximum.value_or(0), options_.topic_alias_maximum));
    if (assigned) ack.props.assigned_client_identifier = connect.client_id;
    if (expiry != connect.props.session_expiry_interval.value_or(0)) {
      ack.props.session_expiry_interval = expiry;
    }
    ack.props.receive_maximum = receive_maximum_of(*s);
    ack.props.maximum_packet_size = options_.max_packet_size;
    ack.props.topic_alias_maximum = options_.topic_alias_maximum;
    ack.props.shared_subscription_available = 1;  // MQTT 5.0 §3.2.2.3.13
  } else {
    c.send_window = options_.max_inflight_messages;
  }
  actions_.push_back(AcceptedAction{c.id, s->key.identity.user});
  send(c, ack);
  ++metrics_.connects_accepted;
  // MQTT 5.0 §4.4: on a resumed session, unacknowledged PUBLISHes go again with DUP set
  // and PUBRELs again, in their original order, before anything new.
  if (session_present) resend_inflight(*s, now);
  pump(*s, now);
}

void Broker::refuse_connect(Connection& c, Version v, errc why, TimePoint now) {
  ++metrics_.connects_rejected;
  c.version = v;
  ReasonCode rc = to_reason_code(why);
  if (!is_allowed(PacketType::connack, rc)) rc = ReasonCode::unspecified_error;
  Bytes bytes;
  encode(Connack{false, rc, {}}, v, bytes);
  actions_.push_back(SendAction{c.id, std::move(bytes)});
  c.state = Connection::State::awaiting_connect;
  close_connection(c, make_error_code(why), now);
}

// Closes a connection because of an error it caused (or a takeover, or shutdown); on 5.0
// tells the client why first (MQTT 5.0 §4.13.2).
void Broker::count_error(errc why) {
  const ReasonCode rc = to_reason_code(why);
  if (rc == ReasonCode::malformed_packet) ++metrics_.malformed_packets;
  if (rc == ReasonCode::protocol_error || rc == ReasonCode::receive_maximum_exceeded ||
      rc == ReasonCode::topic_alias_invalid) {
    ++metrics_.protocol_errors;
  }
  if (rc == ReasonCode::packet_too_large) ++metrics_.packets_too_large;
}

void Broker::fail_connection(Connection& c, errc why, TimePoint now) {
  const ReasonCode rc = to_reason_code(why);
  count_error(why);
  if (c.state == Connection::State::connected && is_v5(c.version)) {
    send(c, Disconnect{rc, {}});
  }
  close_connection(c, make_error_code(why), now);
}

void Broker::close_connection(Connection& c, std::error_code reason, TimePoint now,
                              Emit emit) {
  const ConnId id = c.id;
  if (emit == Emit::close_action) actions_.push_back(CloseAction{id, reason});
  if (c.intercepted) actions_.push_back(GoneAction{id});
  std::unique_ptr<Will> will = std::move(c.will);
  Session* s = c.session;
  const auto owned = std::move(connections_.find(id)->second);  // c lives until return
  connections_.erase(id);
  metrics_.connections_open = connections_.size();
  if (!s) return;
  s->connection = nullptr;
  if (s->expiry_interval != 0) share_state(*s);  // else end_session below leaves the groups
  if (will) publish_will(s->key, std::move(*will), now);
  if (s->expiry_interval == 0) {
    end_session(*s, now);
  } else if (s->expiry_interval != kNeverExpires) {
    s->expires_at = now + std::chrono::seconds(s->expiry_interval);
  }
}

// --- PUBLISH from a client (MQTT 5.0 §3.3.4) ---

Result<Broker::Route> Broker::check_publish(const Identity& who, std::string_view client_id,
                                            std::string_view topic, bool retain) {
  if (topic.empty() || topic.front() == '$' || !authorizer_.can_publish(who, client_id, topic)) {
    return fail(errc::not_authorized);
  }
  if (retain && !authorizer_.can_retain(who, client_id, topic)) return fail(errc::not_authorized);
  if (intercept_ && intercept_(topic)) return Route::intercept;
  return Route::route;
}

void Broker::on_publish(Connection& c, Publish& p, TimePoint now) {
  Session& s = *c.session;
  ++metrics_.publishes_received;
  if (const auto bad = c.aliases.resolve_incoming(p)) {
    // Over our Topic Alias Maximum (MQTT-3.3.2-9), or an alias never set (§3.3.2.3.4).
    return fail_connection(c, *bad, now);
  }
  if (!p.props.subscription_identifiers.empty()) {
    return fail_connection(c, errc::protocol_error, now);  // MQTT-3.3.4-6
  }
  const bool duplicate_qos2 =
      p.qos == QoS::exactly_once &&
      std::find(s.inbound_qos2.begin(), s.inbound_qos2.end(), p.packet_id) != s.inbound_qos2.end();
  if (p.qos == QoS::exactly_once && !duplicate_qos2 &&
      s.inbound_qos2.size() >= receive_maximum_of(s)) {
    return fail_connection(c, errc::receive_maximum_exceeded, now);  // MQTT-3.3.4-9
  }
  const auto checked = check_publish(s.key.identity, s.key.client_id, p.topic, p.retain);
  ReasonCode rc = ReasonCode::success;
  if (checked && *checked == Route::intercept) {
    if (p.qos == QoS::exactly_once) {
      // The services behind intercepted topics answer once per request; QoS 2's extra
      // handshake buys nothing there. (PUBREC cannot carry 0x9B, MQTT 5.0 §3.5.2.1.)
      rc = is_v5(c.version) ? ReasonCode::implementation_specific_error : ReasonCode::success;
      return send(c, PubRec{p.packet_id, rc, {}});
    }
    c.intercepted = true;
    actions_.push_back(InterceptAction{c.id, p.qos == QoS::at_least_once ? p.packet_id : PacketId{0},
                                       s.key.identity.user, s.key.client_id, std::move(p.topic),
                                       std::move(p.payload), p.retain});
    return;  // QoS 1: complete() acknowledges
  }
  if (!checked) {
    rc = to_reason_code(as_errc(checked.error()));
  } else if (!duplicate_qos2) {
    auto m = std::make_shared<Message>();
    m->topic = std::move(p.topic);
    m->payload = std::move(p.payload);
    m->qos = p.qos;
    m->retain = p.retain;
    if (p.props.message_expiry_interval) {
      m->expires_at = now + std::chrono::seconds(*p.props.message_expiry_interval);
    }
    m->props.payload_format_indicator = p.props.payload_format_indicator;
    m->props.content_type = std::move(p.props.content_type);
    m->props.response_topic = std::move(p.props.response_topic);
    m->props.correlation_data = std::move(p.props.correlation_data);
    m->props.user_properties = std::move(p.props.user_properties);
    if (!route(m, s.subscriber, s.key.identity.user, Origin::local, now)) {
      rc = to_reason_code(errc::quota_exceeded);
    }
  }
  if (!is_v5(c.version) && is_failure(rc)) rc = ReasonCode::success;  // 3.1.1 §3.3.5
  if (p.qos == QoS::at_least_once) {
    send(c, PubAck{p.packet_id, rc, {}});
  } else if (p.qos == QoS::exactly_once) {
    if (!is_failure(rc) && !duplicate_qos2) s.inbound_qos2.push_back(p.packet_id);
    send(c, PubRec{p.packet_id, rc, {}});
  }
}

void Broker::on_pubrel(Connection& c, const PubRel& rel) {
  auto& ids = c.session->inbound_qos2;
  const auto it = std::find(ids.begin(), ids.end(), rel.packet_id);
  ReasonCode rc = ReasonCode::success;
  if (it == ids.end()) {
    rc = is_v5(c.version) ? ReasonCode::packet_identifier_not_found : ReasonCode::success;
  } else {
    ids.erase(it);
  }
  send(c, PubComp{rel.packet_id, rc, {}});
}

// --- acknowledgements of our PUBLISHes (MQTT 5.0 §4.3.2-4.3.3) ---

namespace {
template <typename Vec>
auto find_inflight(Vec& inflight, PacketId id) {
  return std::find_if(inflight.begin(), inflight.end(),
                      [id](const auto& o) { return o.packet_id == id; });
}
}  // namespace

void Broker::on_puback(Connection& c, const PubAck& ack, TimePoint now) {
  Session& s = *c.session;
  const auto it = find_inflight(s.inflight, ack.packet_id);
  // An unknown or mismatched id is ignored: it may be a late duplicate.
  if (it == s.inflight.end() || it->qos != QoS::at_least_once) return;
  if (it->token != 0) actions_.push_back(DeliveredAction{c.id, it->token});
  s.inflight.erase(it);
  pump(s, now);
}

void Broker::on_pubrec(Connection& c, const PubRec& rec, TimePoint now) {
  Session& s = *c.session;
  const auto it = find_inflight(s.inflight, rec.packet_id);
  if (it == s.inflight.end() || it->qos != QoS::exactly_once) {
    if (is_v5(c.version)) {
      send(c, PubRel{rec.packet_id, ReasonCode::packet_identifier_not_found, {}});
    }
    return;
  }
  if (is_failure(rec.reason)) {  // the receiver refused it: the flow ends (§4.3.3)
    s.inflight.erase(it);
    return pump(s, now);
  }
  it->state = Outgoing::State::pubrel_sent;
  it->message.reset();  // the message is delivered; only the id is still needed
  send(c, PubRel{rec.packet_id, ReasonCode::success, {}});
}

void Broker::on_pubcomp(Connection& c, const PubComp& comp, TimePoint now) {
  Session& s = *c.session;
  const auto it = find_inflight(s.inflight, comp.packet_id);
  if (it == s.inflight.end() || it->state != Outgoing::State::pubrel_sent) return;
  s.inflight.erase(it);
  pump(s, now);
}

// --- SUBSCRIBE / UNSUBSCRIBE (MQTT 5.0 §3.8.4, §3.10.4) ---

void Broker::on_subscribe(Connection& c, const Subscribe& sub, TimePoint now) {
  Session& s = *c.session;
  const std::uint32_t sub_id =
      sub.props.subscription_identifiers.empty() ? 0 : sub.props.subscription_identifiers[0];
  Suback ack{sub.packet_id, {}, {}};
  struct RetainedToSend {
    SubscribeOptions options;
    std::string filter;
  };
  std::vector<RetainedToSend> retained;
  for (const auto& want : sub.subscriptions) {
    const bool is_new = !s.filters.contains(want.filter);
    // A shared subscription (MQTT 5.0 §4.8.2) is authorized, matched and stored by its inner
    // filter; s.filters keeps the filter as the client wrote it, for UNSUBSCRIBE.
    const auto shared = parse_shared_subscription(want.filter);
    const std::string_view filter = shared ? shared->filter : std::string_view(want.filter);
    if (shared && want.options.no_local) {
      return fail_connection(c, errc::protocol_error, now);  // MQTT-3.8.3-4
    }
    ReasonCode rc;
    if (is_shared_subscription(want.filter) && !shared) {
      rc = ReasonCode::topic_filter_invalid;  // "$share/" without a Share Name or filter
    } else if (const auto refused = denied(want.filter)) {
      rc = *refused;
    } else if (const auto refused_inner = shared ? denied(filter) : std::nullopt) {
      rc = *refused_inner;
    } else if (!authorizer_.can_subscribe(s.key.identity, s.key.client_id, filter)) {
      rc = ReasonCode::not_authorized;
    } else if (is_new && s.filters.size() >= options_.max_subscriptions_per_client) {
      rc = ReasonCode::quota_exceeded;
    } else {
      subscriptions_.subscribe(filter, {s.subscriber, want.options, sub_id},
                               shared ? shared->group : std::string_view());
      if (shared && shared_) {
        shared_->join(shared->group, shared->filter, member(s), MemberState::connected);
      }
      s.filters.insert(want.filter);
      rc = static_cast<ReasonCode>(want.options.max_qos);
      // No retained messages for a shared subscription (MQTT 5.0 §4.8.2).
      const RetainHandling rh = want.options.retain_handling;
      if (!shared &&
          (rh == RetainHandling::send || (rh == RetainHandling::send_if_new && is_new))) {
        retained.push_back({want.options, want.filter});
      }
    }
    ack.reasons.push_back(rc);
  }
  send(c, ack);
  // Retained messages follow the SUBACK (MQTT 5.0 §3.3.1.3), with RETAIN set.
  for (const auto& r : retained) {
    std::vector<std::uint32_t> ids;
    if (sub_id != 0) ids.push_back(sub_id);
    for (const auto& [topic, message] : retained_) {
      if (!topic_matches(r.filter, topic, options_.wildcard_hidden_roots)) continue;
      if (message->expires_at && *message->expires_at <= now) continue;
      deliver(s, message, std::min(message->qos, r.options.max_qos), true, ids, now);
    }
  }
}

void Broker::on_unsubscribe(Connection& c, const Unsubscribe& unsub) {
  Session& s = *c.session;
  Unsuback ack{unsub.packet_id, {}, {}};
  for (const auto& filter : unsub.filters) {
    const bool existed = s.filters.contains(filter) && unsubscribe_filter(s, filter);
    s.filters.erase(filter);
    if (is_v5(c.version)) {
      ack.reasons.push_back(existed ? ReasonCode::success : ReasonCode::no_subscription_existed);
    }
  }
  send(c, ack);
}

bool Broker::unsubscribe_filter(Session& s, std::string_view filter) {
  if (const auto shared = parse_shared_subscription(filter)) {
    if (shared_) shared_->leave(shared->group, shared->filter, member(s));
    return subscriptions_.unsubscribe(shared->filter, s.subscriber, shared->group);
  }
  return subscriptions_.unsubscribe(filter, s.subscriber);
}

std::optional<ReasonCode> Broker::denied(std::string_view filter) const {
  for (const auto& d : options_.deny_subscribe) {
    if (d.filter == filter) return d.reason;
  }
  return std::nullopt;
}

// --- DISCONNECT from the client (MQTT 5.0 §3.14.4) ---

void Broker::on_disconnect(Connection& c, const Disconnect& d, TimePoint now) {
  Session& s = *c.session;
  if (d.props.session_expiry_interval) {
    // Raising it from 0 is a protocol error (MQTT-3.14.2-2).
    if (s.expiry_interval == 0 && *d.props.session_expiry_interval != 0) {
      return fail_connection(c, errc::protocol_error, now);
    }
    s.expiry_interval =
        std::min(*d.props.session_expiry_interval, options_.max_session_expiry_interval);
  }
  // A normal disconnection discards the will (MQTT-3.1.2-10); 0x04 asks for it.
  if (d.reason != ReasonCode::disconnect_with_will_message) c.will.reset();
  close_connection(c, std::error_code(), now);
}

// --- routing and delivery ---

void Broker::publish(Message message, TimePoint now, Reach reach) {
  route(std::make_shared<const Message>(std::move(message)), std::nullopt, {},
        reach == Reach::every_broker ? Origin::everywhere : Origin::here, now);
}

void Broker::publish(std::shared_ptr<const Message> message, TimePoint now) {
  route(message, std::nullopt, {}, Origin::injected, now);
}

std::vector<std::shared_ptr<const Message>> Broker::take_forwarded() {
  return std::exchange(forwarded_, {});
}

void Broker::set_shared_groups(SharedGroups& groups, std::uint32_t broker_index) {
  shared_ = &groups;
  broker_index_ = broker_index;
}

SharedMember Broker::member(const Session& s) const { return {broker_index_, s.subscriber}; }

std::uint16_t Broker::receive_maximum_of(const Session& s) const {
  return s.key.identity.receive_maximum != 0 ? s.key.identity.receive_maximum : options_.receive_maximum;
}

void Broker::share_state(const Session& s) {
  if (!shared_) return;
  const MemberState state = s.connection ? MemberState::connected : MemberState::offline;
  for (auto f = s.filters.lower_bound(kSharePrefix);
       f != s.filters.end() && f->starts_with(kSharePrefix); ++f) {
    if (const auto shared = parse_shared_subscription(*f)) {
      shared_->join(shared->group, shared->filter, member(s), state);
    }
  }
}

// The one choice per message of each matching group's member, for every broker. The
// directory is asked only when the topic matches a group of the replica, so a message no
// shared subscription matches costs one atomic load here (the generation), and no lock.
Broker::MessagePtr Broker::choose_shared(MessagePtr m) {
  if (shared_->generation() != shared_generation_) {
    shared_generation_ = shared_->groups(shared_keys_);
    shared_index_ = std::make_unique<SubscriptionTable>(options_.wildcard_hidden_roots);
    for (std::size_t i = 0; i < shared_keys_.size(); ++i) {
      shared_index_->subscribe(shared_keys_[i].filter, {SubscriberId{i}, {}, 0});
    }
  }
  if (shared_keys_.empty()) return m;
  shared_scratch_.clear();
  shared_index_->match(m->topic, std::nullopt, shared_scratch_, nullptr,
                       SubscriptionTable::Turn::keep);
  if (shared_scratch_.empty()) return m;
  std::vector<const SharedGroupKey*> keys;
  keys.reserve(shared_scratch_.size());
  for (const Match& match : shared_scratch_) keys.push_back(&shared_keys_[match.subscriber.value()]);
  std::vector<SharedPick> picks;
  shared_->choose(keys, picks);
  // The message is not shared with anyone yet; the copy shares its payload.
  auto chosen = std::make_shared<Message>(*m);
  chosen->shared_picks = std::move(picks);
  return chosen;
}

bool Broker::route(MessagePtr m, std::optional<SubscriberId> publisher, std::string_view user,
                   Origin origin, TimePoint now) {
  if (m->retain && origin == Origin::local) {
    // Decided once, here where the message enters, for every shard's replica.
    if (m->payload.empty()) {
      quota_->release(m->topic);
    } else if (const auto limit = quota_->admit(user, m->topic, m->topic.size() + m->payload.size())) {
      log_retained_refused(*m, user, *limit, now);
      return false;
    }
  }
  const bool origin_here = origin == Origin::local || origin == Origin::everywhere;
  if (shared_ && origin_here) m = choose_shared(std::move(m));
  if (forwarding_ && origin_here) forwarded_.push_back(m);
  if (m->retain) {
    // An empty retained payload deletes the retained message (MQTT-3.3.1-6, -7).
    if (m->payload.empty()) {
      retained_.erase(m->topic);
    } else {
      retained_[m->topic] = m;
    }
  }
  // With a directory, every message but a this-broker-only one follows the choice it
  // carries: a group's copy goes to the chosen member if it is here. If it left or went
  // offline meanwhile, another member here takes it (connected first): only its own shard
  // may stand in for it, or two shards could both deliver.
  SubscriptionTable::Choose carried;
  if (shared_ && origin != Origin::here) {
    carried = [this, &picks = m->shared_picks](std::string_view share, std::string_view filter,
                                               std::span<const SubscriptionEntry> members) {
        for (const SharedPick& p : picks) {
          if (p.share != share || p.filter != filter) continue;
          if (p.member.broker != broker_index_) return SubscriptionTable::kNobody;
          for (std::size_t i = 0; i < members.size(); ++i) {
            if (members[i].subscriber != p.member.subscriber) continue;
            if (prefer_connected_(members[i].subscriber)) return i;
            break;
          }
          return SubscriptionTable::kInTurn;
        }
        return SubscriptionTable::kNobody;  // the group had no member when it was chosen
      };
  }
  match_scratch_.clear();
  subscriptions_.match(m->topic, publisher, match_scratch_, &prefer_connected_,
                       SubscriptionTable::Turn::advance, carried ? &carried : nullptr);
  std::vector<Match> matches = std::move(match_scratch_);  // deliver may re-enter route
  for (auto& match : matches) {
    const auto s = by_subscriber_.find(match.subscriber);
    if (s == by_subscriber_.end()) continue;
    // Normal delivery clears RETAIN unless Retain As Published (MQTT 5.0 §3.3.1.3).
    deliver(*s->second, m, std::min(m->qos, match.max_qos),
            match.retain_as_published && m->retain, std::move(match.subscription_ids), now);
  }
  matches.clear();
  match_scratch_ = std::move(matches);
  return true;
}

void Broker::log_retained_refused(const Message& m, std::string_view user, RetainedLimit limit,
                                  TimePoint now) {
  ++metrics_.retained_refused;
  // One line per 10 s per broker at most: a client looping on refused PUBLISHes must not
  // flood the log.
  constexpr auto kLogInterval = std::chrono::seconds(10);
  if (last_retained_log_ && now - *last_retained_log_ < kLogInterval) {
    ++retained_unlogged_;
    return;
  }
  last_retained_log_ = now;
  IRIS_LOG(warn, "mqtt",
           "retained message on '{}' from user '{}' refused ({} bytes): {} reached; {} more "
           "refused since the last such line",
           m.topic, user, m.topic.size() + m.payload.size(), config_key(limit),
           std::exchange(retained_unlogged_, 0));
}

bool Broker::has_subscribers(std::string_view topic) const {
  std::vector<Match> out;
  subscriptions_.match(topic, std::nullopt, out, nullptr, SubscriptionTable::Turn::keep);
  return !out.empty();
}

std::size_t Broker::drop_subscriptions(std::string_view user, std::string_view prefix) {
  std::size_t dropped = 0;
  for (auto& [key, session] : sessions_) {
    Session& s = *session;
    if (s.key.identity.user != user) continue;
    for (auto it = s.filters.begin(); it != s.filters.end();) {
      const std::string_view f = inner_filter(*it);
      if (f == prefix || (f.starts_with(prefix) && f.size() > prefix.size() && f[prefix.size()] == '/')) {
        unsubscribe_filter(s, *it);
        it = s.filters.erase(it);
        ++dropped;
      } else {
        ++it;
      }
    }
  }
  return dropped;
}

void Broker::complete(ConnId conn, PacketId packet_id, ReasonCode reason) {
  const auto it = connections_.find(conn);
  if (it == connections_.end() || it->second->state != Connection::State::connected) return;
  Connection& c = *it->second;
  if (!is_v5(c.version) && is_failure(reason)) reason = ReasonCode::success;  // 3.1.1 §3.3.5
  send(c, PubAck{packet_id, reason, {}});
}

bool Broker::push(ConnId conn, std::string topic, Payload payload, QoS qos, std::uint64_t token,
                  TimePoint now) {
  const auto it = connections_.find(conn);
  if (it == connections_.end() || !it->second->session) return false;
  auto m = std::make_shared<Message>();
  m->topic = std::move(topic);
  m->payload = std::move(payload);
  m->qos = qos;
  deliver(*it->second->session, m, qos, false, {}, now, qos == QoS::at_least_once ? token : 0);
  return true;
}

void Broker::deliver(Session& s, const MessagePtr& m, QoS qos, bool retain,
                     std::vector<std::uint32_t> subscription_ids, TimePoint now,
                     std::uint64_t token) {
  Outgoing o{m, std::move(subscription_ids), 0, qos, retain, Outgoing::State::queued, token};
  if (qos == QoS::at_most_once) {
    // QoS 0 is never queued for an offline session (MQTT 5.0 §3.1.2.4 allows either).
    if (s.connection) send_publish(*s.connection, o, false, now);
    return;
  }
  if (s.connection && s.queued() == 0 && s.inflight.size() < s.connection->send_window) {
    o.packet_id = next_packet_id(s);
    o.state = Outgoing::State::publish_sent;
    s.inflight.push_back(std::move(o));
    if (!send_publish(*s.connection, s.inflight.back(), false, now)) s.inflight.pop_back();
    return;
  }
  if (s.queued() >= options_.max_queued_messages) return drop_queued(s, *m, now);
  s.queue.push_back(std::move(o));
}

void Broker::drop_queued(Session& s, const Message& m, TimePoint now) {
  ++metrics_.messages_dropped;
  ++s.drops_unlogged;
  if (s.last_drop_log != TimePoint::min() && now - s.last_drop_log < kDropLogInterval) return;
  if (drop_log_lines_ >= kDropLogLinesPerTick) return;
  ++drop_log_lines_;
  s.last_drop_log = now;
  IRIS_LOG(warn, "mqtt",
           "session of user '{}' client '{}' ({}): queue full (mqtt.max_queued_messages = {}), "
           "dropped {} QoS 1/2 message(s) since the last such line, the latest on '{}'",
           s.key.anonymous ? "(anonymous)" : s.key.identity.user, s.key.client_id,
           s.connection ? "online" : "offline", options_.max_queued_messages, s.drops_unlogged,
           m.topic);
  s.drops_unlogged = 0;
}

void Broker::pump(Session& s, TimePoint now) {
  while (s.connection && s.queued() > 0 && s.inflight.size() < s.connection->send_window) {
    Outgoing o = std::move(s.queue[s.queue_head++]);
    if (o.message->expires_at && *o.message->expires_at <= now) {
      ++metrics_.messages_dropped;
      continue;
    }
    o.packet_id = next_packet_id(s);
    o.state = Outgoing::State::publish_sent;
    s.inflight.push_back(std::move(o));
    if (!send_publish(*s.connection, s.inflight.back(), false, now)) s.inflight.pop_back();
  }
  if (s.queue_head == s.queue.size()) {
    s.queue.clear();
    s.queue_head = 0;
  }
}

void Broker::resend_inflight(Session& s, TimePoint now) {
  Connection& c = *s.connection;
  for (std::size_t i = 0; i < s.inflight.size();) {
    const Outgoing& o = s.inflight[i];
    if (o.state == Outgoing::State::pubrel_sent) {
      send(c, PubRel{o.packet_id, ReasonCode::success, {}});
    } else if (!send_publish(c, o, true, now)) {
      s.inflight.erase(s.inflight.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    ++i;
  }
}

// Returns false if the message could not be sent and counts as delivered: larger than the
// client's Maximum Packet Size (MQTT-3.1.2-25).
bool Broker::send_publish(Connection& c, const Outgoing& o, bool dup, TimePoint now) {
  const Message& m = *o.message;
  Publish p;
  p.dup = dup;
  p.qos = o.qos;
  p.retain = o.retain;
  p.topic = m.topic;
  p.packet_id = o.packet_id;
  p.payload = m.payload;
  if (is_v5(c.version)) {
    p.props = m.props;
    p.props.subscription_identifiers = o.subscription_ids;
    if (m.expires_at) p.props.message_expiry_interval = seconds_left(*m.expires_at, now);
  }
  if (encoded_size(p, c.version) > c.client_max_packet_size) {
    ++metrics_.messages_dropped;
    return false;
  }
  c.aliases.apply_outgoing(p);
  ++metrics_.publishes_sent;
  send(c, p);
  return true;
}

void Broker::send(Connection& c, const Packet& packet) {
  // Consecutive packets for one connection share one write.
  if (!actions_.empty()) {
    if (auto* last = std::get_if<SendAction>(&actions_.back()); last && last->conn == c.id) {
      encode(packet, c.version, last->bytes);
      return;
    }
  }
  SendAction a{c.id, {}};
  encode(packet, c.version, a.bytes);
  actions_.push_back(std::move(a));
}

PacketId Broker::next_packet_id(Session& s) {
  // Skips ids still in flight; the window (<= 65535) leaves one free.
  while (true) {
    s.last_packet_id = static_cast<PacketId>(s.last_packet_id == 0xFFFF ? 1 : s.last_packet_id + 1);
    if (find_inflight(s.inflight, s.last_packet_id) == s.inflight.end()) return s.last_packet_id;
  }
}

// --- wills, sessions, time ---

void Broker::publish_will(const SessionKey& key, Will will, TimePoint now) {
  auto m = std::make_shared<Message>();
  m->topic = std::move(will.topic);
  m->payload = std::move(will.payload);
  m->qos = will.qos;
  m->retain = will.retain;
  if (will.props.message_expiry_interval) {
    m->expires_at = now + std::chrono::seconds(*will.props.message_expiry_interval);
  }
  const std::uint32_t delay = will.props.will_delay_interval.value_or(0);
  m->props = std::move(will.props);
  m->props.will_delay_interval.reset();
  m->props.message_expiry_interval.reset();
  if (delay == 0) {
    if (route(m, std::nullopt, key.identity.user, Origin::local, now)) ++metrics_.wills_published;
    return;
  }
  pending_wills_.push_back({key, now + std::chrono::seconds(delay), std::move(m)});
}

void Broker::end_session(Session& s, TimePoint now) {
  for (const auto& f : s.filters) unsubscribe_filter(s, f);
  by_subscriber_.erase(s.subscriber);
  const SessionKey key = s.key;
  sessions_.erase(view_of(key));  // s is gone from here on
  // The will is published when the session ends, if its delay has not yet passed
  // (MQTT 5.0 §3.1.3.2.2).
  const auto it = std::find_if(pending_wills_.begin(), pending_wills_.end(),
                               [&](const PendingWill& w) { return w.key == key; });
  if (it != pending_wills_.end()) {
    MessagePtr m = std::move(it->message);
    const std::string user = it->key.identity.user;
    pending_wills_.erase(it);
    if (route(m, std::nullopt, user, Origin::local, now)) ++metrics_.wills_published;
  }
}

void Broker::tick(TimePoint now) {
  drop_log_lines_ = 0;
  std::vector<std::pair<Connection*, errc>> expired;
  for (const auto& [id, c] : connections_) {
    if (c->state == Connection::State::awaiting_connect) {
      if (now - c->since >= options_.connect_timeout) expired.emplace_back(c.get(), errc::connect_timeout);
    } else if (c->keep_alive != 0 &&
               now - c->last_received >= std::chrono::milliseconds(c->keep_alive) * 1500) {
      expired.emplace_back(c.get(), errc::keep_alive_timeout);  // MQTT-3.1.2-22: 1.5 times
    } else if (c->since != TimePoint::min() &&
               now - c->since >= options_.partial_packet_timeout) {
      // No complete packet in time, as for keep-alive, so the same reason (0x8D).
      expired.emplace_back(c.get(), errc::keep_alive_timeout);
    }
  }
  for (const auto& [c, why] : expired) {
    if (why == errc::keep_alive_timeout) ++metrics_.keep_alive_timeouts;
    fail_connection(*c, why, now);
  }
  std::vector<PendingWill> due;
  std::erase_if(pending_wills_, [&](PendingWill& w) {
    if (w.due > now) return false;
    due.push_back(std::move(w));
    return true;
  });
  for (const auto& w : due) {
    if (route(w.message, std::nullopt, w.key.identity.user, Origin::local, now)) ++metrics_.wills_published;
  }
  std::vector<Session*> ended;
  for (const auto& [id, s] : sessions_) {
    if (!s->connection && s->expiry_interval != kNeverExpires && s->expires_at <= now) {
      ended.push_back(s.get());
    }
  }
  for (Session* s : ended) {
    ++metrics_.sessions_expired;
    end_session(*s, now);
  }
}

std::size_t Broker::disconnect_moved(const std::function<bool(std::string_view user)>& moved, TimePoint now,
                                     std::size_t max, const MovedReference& reference) {
  std::vector<Connection*> gone;
  for (const auto& [id, c] : connections_) {
    if (gone.size() >= max) break;
    if (c->state == Connection::State::connected && c->session != nullptr && !c->session->key.anonymous &&
        moved(c->session->key.identity.user)) {
      gone.push_back(c.get());
    }
  }
  for (Connection* c : gone) {
    std::string where = reference && is_v5(c->version) ? reference(c->session->key.identity.user) : std::string();
    if (where.empty()) {
      fail_connection(*c, errc::use_another_server, now);
      continue;
    }
    count_error(errc::use_another_server);
    Disconnect d{to_reason_code(errc::use_another_server), {}};
    d.props.server_reference = std::move(where);
    send(*c, std::move(d));
    close_connection(*c, make_error_code(errc::use_another_server), now);
  }
  return gone.size();
}

bool Broker::close(ConnId conn, errc why, TimePoint now) {
  const auto it = connections_.find(conn);
  if (it == connections_.end()) return false;
  fail_connection(*it->second, why, now);
  return true;
}

void Broker::shutdown(TimePoint now) {
  std::vector<Connection*> all;
  for (const auto& [id, c] : connections_) all.push_back(c.get());
  for (Connection* c : all) fail_connection(*c, errc::server_shutting_down, now);
}

}  // namespace iris::mqtt
