#pragma once
// IrisAuth: the MQTT broker's Authenticator and Authorizer for Iris.
//
// Authentication: user name = user id, password = a device token (token.h) whose user and
// device match the user name and the client id. Anonymous clients (no user name) are let in
// only when MqttOptions::allow_anonymous is set; the broker decides that before asking us.
//
// Topics (docs/PROTOCOL.md lists them):
//   u/<user>/...      the user's own namespace: only that user may publish or subscribe
//   t/<thread>/...    ephemeral topics of a thread (typing): only its participants may
//                     subscribe, and publish only on t/<thread>/typing (the server
//                     publishes the rest, e.g. the JSON twin t/<thread>/typing/json).
//                     Checked per PUBLISH, so a removed participant is refused at once.
//   c/fanout, c/typing  the cell link's frames and typing signals (sync/fanout_frame.h):
//                     only a cell peer may publish there, and a cell peer nowhere else
//   anything else     the public space, for anonymous clients only
//   RETAIN            refused on u/ and t/ (a retained message there would replay to every
//                     device of the user, or every participant, on each subscribe)
// Filters on u/ and t/ must name the user or thread literally: a wildcard in the second
// level could reach other users' topics, so it is refused (SUBACK "not authorized"). A
// filter whose first level is a wildcard (`#`, `+/+`) is accepted from anyone: the broker
// never matches it against u/, t/ or '$' topics (MqttOptions::wildcard_hidden_roots), so
// it only ever sees the public space. Anonymous clients may also use any filter whose first
// level is literal and not `u`, `t` or '$'-prefixed.

#include <chrono>
#include <functional>
#include <string_view>

#include "mqtt/auth.h"
#include "net/token.h"

namespace iris::net {

// A cell peer (docs/CLUSTER.md "The server-to-server link") connects with the user name
// "cell:<its server name>" and the password cell_link_password(cell secret, that name).
inline constexpr std::string_view kCellPeerPrefix = "cell:";
// 64 hex digits: HMAC-SHA256 under `secret` of "iris-cell-link 1 " + `name`. Bound to the
// name, so a password seen on the wire names only that peer.
std::string cell_link_password(std::string_view secret, std::string_view name);
bool is_cell_peer(const mqtt::Identity& who);

// Who belongs to which thread (each shard's SyncGateway answers for the users it owns, on
// its thread; tests supply their own). Called on the thread of the broker that asks.
class ThreadMembership {
 public:
  virtual ~ThreadMembership() = default;
  virtual bool is_participant(std::string_view user, std::string_view thread) const = 0;
};

class IrisAuth final : public mqtt::Authenticator, public mqtt::Authorizer {
 public:
  using Clock = std::function<std::chrono::sys_seconds()>;

  // `signer` and `membership` must outlive this object.
  IrisAuth(const TokenSigner& signer, const ThreadMembership& membership, Clock now);
  // Without a membership nobody is a participant of any thread: for the authenticator, and
  // the authorizer of a server whose shards each have their own (MqttServer SyncBinding).
  IrisAuth(const TokenSigner& signer, Clock now);

  // Accepts cell peers with passwords made from `secret` (at least 16 bytes). Without it,
  // every "cell:" user name is refused. Call before the server starts.
  // `link_window` is what a peer may have unacknowledged on its link (cluster.link_window),
  // told to it as its CONNACK's Receive Maximum.
  void accept_cell_peers(std::string secret, std::uint16_t link_window = 0) {
    cell_secret_ = std::move(secret);
    cell_link_window_ = link_window;
  }

  Result<mqtt::Identity> authenticate(const mqtt::Credentials& credentials) override;
  bool can_publish(const mqtt::Identity& who, std::string_view client_id,
                   std::string_view topic) override;
  bool can_retain(const mqtt::Identity& who, std::string_view client_id,
                  std::string_view topic) override;
  bool can_subscribe(const mqtt::Identity& who, std::string_view client_id,
                     std::string_view filter) override;

 private:
  enum class Access { publish, subscribe };
  bool allowed(const mqtt::Identity& who, std::string_view topic_or_filter, Access access) const;

  const TokenSigner& signer_;
  const ThreadMembership* membership_;  // null: nobody is a participant
  std::string cell_secret_;             // empty: no cell peers
  std::uint16_t cell_link_window_ = 0;  // 0: the server's mqtt.receive_maximum
  Clock now_;
};

}  // namespace iris::net
