#pragma once
// Pluggable authentication and authorization, called synchronously by the Broker on its
// shard thread. Implementations (HMAC tokens, ACLs) live outside this part; they must not
// block, and must outlive the Broker that holds them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace iris::mqtt {

// Who a connection is, as the Authenticator decided; opaque to the broker except for
// being passed to the Authorizer. Empty user for anonymous connections.
struct Identity {
  std::string user;
  // QoS 1 and 2 PUBLISHes this connection may have unacknowledged towards the server (its
  // CONNACK's Receive Maximum on 5.0); 0: MqttOptions::receive_maximum. The server's own peers
  // (the cell link) are granted their link window; clients get the default.
  std::uint16_t receive_maximum = 0;
  bool operator==(const Identity&) const = default;
};

struct Credentials {
  std::string_view client_id;
  std::optional<std::string_view> username;
  std::optional<std::string_view> password;  // binary data
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Called for every CONNECT that carries a user name (and for none without one: those are
  // accepted as anonymous if MqttOptions::allow_anonymous, refused otherwise). Failing
  // with errc::bad_user_name_or_password or errc::not_authorized answers CONNACK with that
  // reason; any other error answers "not authorized".
  virtual Result<Identity> authenticate(const Credentials& credentials) = 0;
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // A refused PUBLISH is acknowledged with "not authorized" on 5.0 and dropped on 3.1.1
  // (MQTT 3.1.1 §3.3.5 allows no negative acknowledgement); a refused Will refuses its
  // CONNECT (5.0 CONNACK 0x87, 3.1.1 0x05). Topics starting with '$' are refused before this
  // is asked (MQTT 5.0 §4.7.2: they are the server's).
  virtual bool can_publish(const Identity& who, std::string_view client_id,
                           std::string_view topic) = 0;
  // Whether this identity may set a retained message on `topic` (asked after can_publish
  // allowed the topic, for a PUBLISH or Will with RETAIN set); refused like can_publish.
  // Default: yes.
  virtual bool can_retain(const Identity& /*who*/, std::string_view /*client_id*/,
                          std::string_view /*topic*/) {
    return true;
  }
  // A refused filter gets SUBACK "not authorized" (3.1.1: 0x80). For a shared subscription
  // (MQTT 5.0 §4.8.2) this is asked about its inner filter.
  virtual bool can_subscribe(const Identity& who, std::string_view client_id,
                             std::string_view filter) = 0;
};

// Accepts everyone and everything: for tests and local development only.
class AllowAll final : public Authenticator, public Authorizer {
 public:
  Result<Identity> authenticate(const Credentials& c) override {
    return Identity{std::string(c.username.value_or(""))};
  }
  bool can_publish(const Identity&, std::string_view, std::string_view) override { return true; }
  bool can_subscribe(const Identity&, std::string_view, std::string_view) override {
    return true;
  }
};

}  // namespace iris::mqtt
