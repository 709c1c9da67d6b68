#pragma once
// Server: builds the parts in dependency order and stops them in reverse. Wiring only.

#include <memory>

#include "apps/irisd/config.h"
#include "store/queue_store.h"

namespace iris::irisd {

class Server {
 public:
  explicit Server(const Config& config);
  ~Server();

  // Opens everything; returns false (after logging why) if any part cannot start.
  bool start();
  // Blocks until SIGINT or SIGTERM, then stops.
  void run_until_signal();

 private:
  const Config& config_;  // must outlive the server: owned by main()
  std::unique_ptr<store::QueueStore> store_;
};

}  // namespace iris::irisd
