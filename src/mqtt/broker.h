#pragma once
// Broker: the MQTT 3.1.1 / 5.0 server as a pure state machine. The net layer owns sockets
// and timers and drives it: bytes and time in, actions out. One Broker per shard thread;
// not thread-safe; never reads a clock (every call takes `now`).
//
// Driving it:
//   on_open(conn, now)           a transport connection was accepted
//   on_bytes(conn, bytes, now)   bytes were read from it
//   on_close(conn, now)          the transport closed (peer, error); ignored if the broker
//                                closed it itself
//   tick(now)                    at least once per second: keep-alive (1.5x, MQTT-3.1.2-22),
//                                partial-packet and connect timeouts, will delay, session
//                                expiry
//   publish(message, now)        a message from the server itself (e.g. a sync delta), or
//                                one another shard's broker forwarded (see below)
// then `take_actions()` and carry them out in order: Send writes bytes to the connection;
// Close means flush what was sent before it, then close. After a Close the broker has
// already forgotten the connection.
//
// What it owns: connections (decoder, keep-alive, topic aliases, will), sessions keyed by
// (user, client id) (subscriptions, in-flight window, offline queue, QoS 2 receive state)
// that outlive connections per their expiry, the retained store, and the subscription table.
// Sessions and retained messages are in memory only.
//
// Every client message enters routing through one gate, check_publish(): a PUBLISH when it
// arrives, a Will when its CONNECT arrives (so a Will is refused at CONNECT, never
// discovered at the disconnect). Retained messages then pass the RetainedQuota.
//
// Session identity (MQTT 5.0 §4.1 leaves it to the server): a session belongs to the user
// the Authenticator named and the client id, never to the client id alone, so the same
// device name under two users is two sessions: neither inherits, nor takes over, the other's.
// Clients without a user name (MqttOptions::allow_anonymous) share one namespace of their
// own, apart from every authenticated user's, even one the Authenticator names "".
//
// Sharding: net runs one Broker per thread, each owning the (user, client id) pairs whose
// routing key (net/connect_peek.h: the user name, else the client id) hashes to it. With
// forwarding on (set_forwarding), every message this broker routes on behalf of its own
// clients (an accepted PUBLISH, a will) is also kept for take_forwarded(); the caller hands
// it to every other shard's broker through publish(), so subscribers anywhere receive it and
// every shard's retained store applies the same retained updates in the same per-publisher
// order. Messages that come in through publish() are never forwarded again, so nothing loops.
// The retained bound is decided once, by the RetainedQuota shared by every shard
// (set_retained_quota), before a message is forwarded; publish() applies it unchecked.
// Shared subscriptions: with a SharedGroups directory shared by every shard's broker
// (set_shared_groups), the broker where a message enters routing (a client's PUBLISH or will,
// publish(..., Reach::every_broker)) chooses one member per matching group for all of them
// and the choice travels in Message::shared_picks; a forwarded message is delivered to a
// group member here only if it was chosen here. If the chosen member left or went offline
// before the message arrived, another member of the group on this broker (connected first)
// takes it; with none left here, the group misses that message. So a message reaches each
// group at most once, and exactly once unless the chosen member's shard lost all its members
// of the group meanwhile. Without a directory a broker chooses among its own members.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <variant>
#include <vector>

#include "base/strong_id.h"
#include "mqtt/auth.h"
#include "mqtt/message.h"
#include "mqtt/metrics.h"
#include "mqtt/options.h"
#include "mqtt/packet/packet.h"
#include "mqtt/retained_quota.h"
#include "mqtt/shared_groups.h"
#include "mqtt/subscription_table.h"

namespace iris::mqtt {

// Names a transport connection; chosen by the net layer, unique among open connections.
using ConnId = StrongId<struct ConnIdTag, std::uint64_t>;

// Write these bytes (one or more encoded packets) to the connection.
struct SendAction {
  ConnId conn;
  Bytes bytes;
};
// Flush earlier sends, then close the connection. `reason` is empty for a normal close
// (client DISCONNECT), else the mqtt::errc that caused it, for the log line.
struct CloseAction {
  ConnId conn;
  std::error_code reason;
};
// A PUBLISH on a topic the server handles itself (set_intercept): it is not routed and, at
// QoS 1, not acknowledged until complete() gives its outcome. `user` and `client_id` are
// the connection's, as authenticated.
struct InterceptAction {
  ConnId conn;
  PacketId packet_id;  // 0 at QoS 0
  std::string user;
  std::string client_id;
  std::string topic;
  Payload payload;
  bool retain = false;  // the PUBLISH's RETAIN flag: the service decides what it means
};
// The client acknowledged a push() that carried this token.
struct DeliveredAction {
  ConnId conn;
  std::uint64_t token;
};
// A connection that had a PUBLISH intercepted is gone (closed by either side, or taken
// over), so whoever handled its requests can forget it.
struct GoneAction {
  ConnId conn;
};
// A connection that has had a PUBLISH intercepted sent a PINGREQ (already answered with
// PINGRESP): the service behind it may add a keep-alive message of its own (the sync
// service's heartbeat carries its queue's head, docs/PROTOCOL.md).
struct KeepAliveAction {
  ConnId conn;
};
// The connection's CONNECT was accepted (its CONNACK 0x00 follows): it is authenticated from
// here on, so net/ ends its connect deadline and returns its pre-auth slot.
struct AcceptedAction {
  ConnId conn;
  std::string user;  // who it is, as authenticated (empty for an anonymous client)
};
using Action = std::variant<SendAction, CloseAction, InterceptAction, DeliveredAction, GoneAction,
                            KeepAliveAction, AcceptedAction>;

class Broker {
 public:
  // authenticator and authorizer must outlive the Broker.
  Broker(const MqttOptions& options, Authenticator& authenticator, Authorizer& authorizer);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  void on_open(ConnId conn, TimePoint now);
  void on_bytes(ConnId conn, std::span<const std::uint8_t> bytes, TimePoint now);
  void on_close(ConnId conn, TimePoint now);
  void tick(TimePoint now);
  // Where a server message goes: this broker's subscribers only, or, with forwarding on,
  // every broker's (it is then forwarded like a client's message, see take_forwarded).
  enum class Reach { this_broker, every_broker };
  // Routes a message as if a client had published it (retain included); '$' topics allowed.
  // Requires: is_valid_topic_name(message.topic).
  void publish(Message message, TimePoint now, Reach reach = Reach::this_broker);
  // The same for a message already shared with other brokers (cross-shard forwarding): the
  // Message is immutable, so several brokers on several threads may hold it at once.
  void publish(std::shared_ptr<const Message> message, TimePoint now);
  // Closes every connection with "server shutting down" (5.0: DISCONNECT 0x8B).
  void shutdown(TimePoint now);
  // Closes one connection whose input a service behind set_intercept refuses outright (a
  // cell peer's frame that does not decode), as a protocol violation of its own: `why`'s
  // DISCONNECT under 5.0, a close under 3.1.1. False if it is gone already.
  bool close(ConnId conn, errc why, TimePoint now);
  // Closes every connected client whose authenticated user `moved(user)` says now lives on
  // another server of the cell: DISCONNECT 0x9C "use another server" under 5.0, a plain close
  // under 3.1.1, and either way the client reconnects and is routed to the new owner. Their
  // sessions follow the usual expiry rules. Closes at most `max` (a drain paces itself: the
  // caller calls again until fewer than `max` were closed). Returns how many were closed.
  // `reference`, when given, names the new owner of a moved user ("host:port" of its MQTT
  // listener; empty: unknown): an MQTT 5 client's DISCONNECT carries it as Server Reference,
  // so the client connects there at once.
  using MovedReference = std::function<std::string(std::string_view user)>;
  std::size_t disconnect_moved(const std::function<bool(std::string_view user)>& moved, TimePoint now,
                               std::size_t max = SIZE_MAX, const MovedReference& reference = {});

  // The actions produced since the last call, in order.
  std::vector<Action> take_actions();

  // PUBLISHes whose topic `filter` accepts (after authorization) are handed out as
  // InterceptActions instead of being routed. Off (empty) by default.
  using InterceptFilter = std::function<bool(std::string_view topic)>;
  void set_intercept(InterceptFilter filter) { intercept_ = std::move(filter); }
  // Acknowledges an intercepted QoS 1 PUBLISH with `reason` (MQTT 5.0 §3.4.2.1). 3.1.1 has
  // no negative PUBACK (§3.3.5): a failure is acknowledged as success there, and the
  // service reports it on its response topic. Ignored if the connection is gone.
  void complete(ConnId conn, PacketId packet_id, ReasonCode reason);
  // Sends a server message to this connection's session only: not routed, no ACL, QoS 0
  // or 1 (the session's in-flight window and queue apply). At QoS 1 a nonzero `token` comes
  // back as a DeliveredAction when the client acknowledges it. False if the connection is
  // gone. Requires: is_valid_topic_name(topic).
  bool push(ConnId conn, std::string topic, Payload payload, QoS qos, std::uint64_t token,
            TimePoint now);

  // Whether any subscription of this broker matches `topic`, so a service can skip building
  // a message nobody would receive. Requires: is_valid_topic_name(topic).
  bool has_subscribers(std::string_view topic) const;
  // Removes, from every session of `user` (as authenticated), each subscription whose filter
  // is `prefix` or starts with `prefix` + '/': for when the service revokes a right that
  // was checked only at SUBSCRIBE time. Costs one pass over this broker's sessions. Returns
  // how many subscriptions went.
  std::size_t drop_subscriptions(std::string_view user, std::string_view prefix);

  // Off by default (a single broker has nobody to forward to).
  void set_forwarding(bool on) { forwarding_ = on; }
  // The ledger that bounds retained messages; by default the broker's own. `quota` must
  // outlive the Broker; with forwarding on, every shard's broker must share one.
  void set_retained_quota(RetainedQuota& quota) { quota_ = &quota; }
  // The directory of shared subscription groups every broker of the server shares, and this
  // broker's index among them (SharedMember::broker). `groups` must outlive the Broker.
  // Requires: forwarding on, and every broker given the same directory and a distinct index.
  void set_shared_groups(SharedGroups& groups, std::uint32_t broker_index);
  // Messages routed for this broker's own clients (and publish(..., Reach::every_broker))
  // since the last call, in routing order. Empty unless forwarding is on.
  std::vector<std::shared_ptr<const Message>> take_forwarded();

  const MqttMetrics& metrics() const { return metrics_; }
  std::size_t connection_count() const { return connections_.size(); }
  std::size_t session_count() const { return sessions_.size(); }
  std::size_t retained_count() const { return retained_.size(); }
  std::size_t subscription_count() const { return subscriptions_.size(); }

 private:
  struct Connection;
  struct Session;
  // Who a session belongs to (see "Session identity" above).
  struct SessionKey {
    bool anonymous = false;
    Identity identity;  // as the Authenticator named it; empty user when anonymous
    std::string client_id;
    bool operator==(const SessionKey&) const = default;
  };
  // The key as the session map holds it: views of the SessionKey its Session owns (a map
  // entry never outlives its Session), so an idle client's strings are kept once.
  struct SessionKeyView {
    bool anonymous = false;
    std::string_view user;
    std::string_view client_id;
    bool operator==(const SessionKeyView&) const = default;
  };
  static SessionKeyView view_of(const SessionKey& k) {
    return {k.anonymous, k.identity.user, k.client_id};
  }
  struct SessionKeyHash {
    std::size_t operator()(const SessionKeyView& k) const;
  };
  struct Outgoing;
  struct PendingWill;
  using MessagePtr = std::shared_ptr<const Message>;

  // Where check_publish() sends a client's message: routed, or to the service behind
  // set_intercept.
  enum class Route { route, intercept };
  // The one authorization of a client message on its way into routing ('$' topics,
  // Authorizer::can_publish, and can_retain when RETAIN is set); errors are mqtt errc.
  Result<Route> check_publish(const Identity& who, std::string_view client_id,
                              std::string_view topic, bool retain);

  void dispatch(Connection& c, Packet& packet, TimePoint now);
  void on_connect(Connection& c, Connect& connect, TimePoint now);
  void on_publish(Connection& c, Publish& publish, TimePoint now);
  void on_puback(Connection& c, const PubAck& ack, TimePoint now);
  void on_pubrec(Connection& c, const PubRec& rec, TimePoint now);
  void on_pubrel(Connection& c, const PubRel& rel);
  void on_pubcomp(Connection& c, const PubComp& comp, TimePoint now);
  void on_subscribe(Connection& c, const Subscribe& subscribe, TimePoint now);
  void on_unsubscribe(Connection& c, const Unsubscribe& unsubscribe);
  void on_disconnect(Connection& c, const Disconnect& disconnect, TimePoint now);

  void refuse_connect(Connection& c, Version v, errc why, TimePoint now);
  void fail_connection(Connection& c, errc why, TimePoint now);
  enum class Emit { close_action, nothing };
  void close_connection(Connection& c, std::error_code reason, TimePoint now,
                        Emit emit = Emit::close_action);
  void count_error(errc why);
  // A QoS 1/2 message for `s` did not fit its queue (MqttOptions::max_queued_messages).
  void drop_queued(Session& s, const Message& m, TimePoint now);

  // Origin::local messages (client PUBLISH, wills of `user`) pass the retained quota;
  // they and Origin::everywhere ones are forwarded to other shards when forwarding is on,
  // and this broker chooses their shared group members for every shard. Origin::here
  // messages (publish(), this broker only) choose among this broker's members;
  // Origin::injected ones (forwarded) follow the choice they carry. False if the quota
  // refused the message: then nothing was routed.
  enum class Origin { local, everywhere, here, injected };
  bool route(MessagePtr message, std::optional<SubscriberId> publisher, std::string_view user,
             Origin origin, TimePoint now);
  // `m` carrying the shared group members chosen for it (a copy when any group matches).
  MessagePtr choose_shared(MessagePtr m);
  // Tells the directory whether `s` (its shared subscriptions) is connected.
  void share_state(const Session& s);
  SharedMember member(const Session& s) const;
  // What `s` may have unacknowledged towards us: its identity's grant, else the option.
  std::uint16_t receive_maximum_of(const Session& s) const;
  void log_retained_refused(const Message& m, std::string_view user, RetainedLimit limit,
                            TimePoint now);
  bool unsubscribe_filter(Session& s, std::string_view filter);
  std::optional<ReasonCode> denied(std::string_view filter) const;
  void deliver(Session& s, const MessagePtr& message, QoS qos, bool retain,
               std::vector<std::uint32_t> subscription_ids, TimePoint now,
               std::uint64_t token = 0);
  void pump(Session& s, TimePoint now);
  bool send_publish(Connection& c, const Outgoing& o, bool dup, TimePoint now);
  void send(Connection& c, const Packet& packet);
  void resend_inflight(Session& s, TimePoint now);
  void publish_will(const SessionKey& key, Will will, TimePoint now);
  void end_session(Session& s, TimePoint now);
  PacketId next_packet_id(Session& s);

  const MqttOptions options_;
  Authenticator& authenticator_;
  Authorizer& authorizer_;

  std::unordered_map<ConnId, std::unique_ptr<Connection>> connections_;
  std::unordered_map<SessionKeyView, std::unique_ptr<Session>, SessionKeyHash> sessions_;
  std::unordered_map<SubscriberId, Session*> by_subscriber_;
  std::map<std::string, MessagePtr, std::less<>> retained_;
  std::vector<PendingWill> pending_wills_;
  SubscriptionTable subscriptions_;
  std::uint64_t next_subscriber_ = 1;
  std::uint64_t next_assigned_id_ = 1;
  std::vector<Action> actions_;
  std::vector<MessagePtr> forwarded_;
  bool forwarding_ = false;
  InterceptFilter intercept_;
  std::vector<Match> match_scratch_;
  SubscriptionTable::Prefer prefer_connected_;
  SharedGroups* shared_ = nullptr;  // set_shared_groups()'s, which outlives this
  std::uint32_t broker_index_ = 0;
  // A replica of the directory's list of groups as of shared_generation_: shared_index_
  // holds each group's filter, subscribed by SubscriberId{index into shared_keys_}.
  std::uint64_t shared_generation_ = 0;
  std::vector<SharedGroupKey> shared_keys_;
  std::unique_ptr<SubscriptionTable> shared_index_;
  std::vector<Match> shared_scratch_;
  RetainedLedger own_quota_;
  RetainedQuota* quota_;  // own_quota_ or set_retained_quota()'s, which outlives this
  std::optional<TimePoint> last_retained_log_;
  std::uint64_t retained_unlogged_ = 0;
  std::uint32_t drop_log_lines_ = 0;  // since the last tick: drop_queued's broker-wide budget
  MqttMetrics metrics_;
};

}  // namespace iris::mqtt
