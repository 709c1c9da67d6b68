#pragma once
// Server: builds the parts in dependency order and stops them in reverse. Wiring only.
//
// Start order: queue store, history store, history writer (catching up every queue),
// retention trimmer, token secret and authenticator, MQTT listeners, cell membership. Stop
// order is the reverse: the cell is left (peers take the users at once), listeners (clients are told the server is going away), trimmer, writer (with a
// short final drain into history), queue store, history store.

#include <memory>
#include <optional>

#include "apps/irisd/cell_member.h"
#include "apps/irisd/config.h"
#include "net/iris_auth.h"
#include "net/mqtt_server.h"
#include "net/iris_auth.h"
#include "net/token.h"
#include "store/history_store.h"
#include "store/queue_store.h"
#include "sync/history_writer.h"
#include "sync/retention_trimmer.h"

namespace iris::irisd {

class Server {
 public:
  explicit Server(const Config& config);
  ~Server();

  // Opens everything; returns false (after logging why) if any part cannot start.
  bool start();
  // Blocks until SIGINT or SIGTERM, then stops.
  void run_until_signal();
  void stop();
  // The cell's ZooKeeper session expired (the stop was not asked for): irisd exits with 3.
  bool cell_expired() const { return cell_ && cell_->expired(); }

 private:
  const Config& config_;  // must outlive the server: owned by main()
  std::unique_ptr<store::QueueStore> store_;
  std::unique_ptr<store::HistoryStore> history_;
  std::unique_ptr<sync::HistoryWriter> writer_;
  std::unique_ptr<sync::RetentionTrimmer> trimmer_;
  std::optional<net::TokenSigner> signer_;
  std::unique_ptr<net::IrisAuth> auth_;
  std::unique_ptr<net::MqttServer> mqtt_;
  // Set when cluster.zookeeper is: joined once the listeners are bound, left first at stop.
  std::unique_ptr<CellMember> cell_;
};

// Raises the soft open-file limit to the hard one: every connection is a descriptor.
void raise_open_file_limit();

}  // namespace iris::irisd
