#pragma once
// How a server joins a cell (irisd's `cluster.*` keys). Empty `zookeeper` = a single server,
// no cell: every user is this server's.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cluster/ring_hash.h"
#include "core/ids.h"

namespace iris::cluster {

struct CellOptions {
  std::string zookeeper;           // the ensemble, "host:port,host:port"; empty = no cell
  std::string root = "/iris";      // the cell's znodes live under <root>/cells/<cell>
  std::string cell = "default";
  std::string name;                // this server's name in the cell; empty = <host>:<mqtt port>
  std::uint32_t tokens = kDefaultTokens;
  std::chrono::milliseconds session_timeout{4000};
  std::string advertise_host = "127.0.0.1";  // the IP peers and relays use to reach this server
  // MQTT 5 devices of another server's user get CONNACK 0x9C + Server Reference instead of a
  // relay (3.1.1 devices are always relayed).
  bool redirect_mqtt5 = false;
  // HTTP API requests of another server's user (docs/CLUSTER.md "HTTP requests"): answered
  // 307 with the owner's URL (plain HTTP only) instead of proxied; a proxied request's time,
  // how many are in flight across the server, and the largest answer taken from the owner.
  bool redirect_http = false;
  std::chrono::milliseconds http_proxy_timeout{5000};
  std::size_t http_proxy_max_concurrent = 256;
  std::size_t http_proxy_max_answer_bytes = 16 * 1024 * 1024;
  // Users whose device tokens may read the deployment report (GET /v1/admin/cells, the admin
  // page at /app/admin.html); empty = nobody.
  std::vector<core::UserId> admin_users;
  // Clients of users that moved away are told to reconnect at most this many per second
  // (0 = all at once); a stopping server (SIGTERM) first hands its users over and tells its
  // clients so, for at most drain_timeout, before it closes what is left.
  std::size_t disconnect_rate = 2000;
  std::chrono::milliseconds drain_timeout{10000};

  // The server-to-server link of sends across servers (docs/CLUSTER.md).
  // File holding the cell secret that authenticates peers on the link; every server of the
  // cell needs the same. Empty: the token secret (auth.secret_file), which a cell shares anyway.
  std::string secret_file;
  // Frames in flight to one peer before its acknowledgements: the link's window.
  std::size_t link_window = 512;
  // Bytes of frames waiting for one peer; beyond, a share waits in the store for the next scan.
  std::size_t link_queue_bytes = std::size_t{4} << 20;
  // How often the pending fan-out rows are scanned and unconfirmed ones sent again.
  std::chrono::milliseconds fanout_retry{500};
  // How long confirmed fan-out rows wait to be removed together: one transaction (and one
  // binlog event) for all of them, ideally inside an append's group commit. 0: at once.
  std::chrono::milliseconds fanout_confirm_delay{50};
  // A peer that acknowledges nothing for this long is disconnected (its shares re-sent).
  std::chrono::milliseconds link_ack_timeout{5000};
  // Pending fan-out rows held in memory at once (the rest waits in the store).
  std::size_t fanout_max_pending = 100'000;

  bool enabled() const { return !zookeeper.empty(); }
};

}  // namespace iris::cluster
