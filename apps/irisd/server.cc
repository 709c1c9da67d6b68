#include "apps/irisd/server.h"

#include <csignal>

#include "base/log.h"
#include "store/rocksdb/rocksdb_queue_store.h"

namespace iris::irisd {

Server::Server(const Config& config) : config_(config) {}

Server::~Server() {
  // Reverse order of start.
  if (store_) {
    store_.reset();
    IRIS_LOG(info, "irisd", "queue store closed");
  }
}

bool Server::start() {
  auto store = store::open_rocksdb_queue_store(config_.store);
  if (!store) {
    IRIS_LOG(error, "irisd", "cannot open the queue store at {}: {}", config_.store.path,
             store.error().message());
    return false;
  }
  store_ = std::move(*store);
  IRIS_LOG(info, "irisd", "queue store open at {} (sync={}, max_queue_length={})",
           config_.store.path, config_.store.sync, config_.store.max_queue_length);
  return true;
}

void Server::run_until_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  IRIS_LOG(info, "irisd", "received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
}

}  // namespace iris::irisd
