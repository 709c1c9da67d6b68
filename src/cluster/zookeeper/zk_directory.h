#pragma once
// ZooKeeperDirectory: a watched, cached copy of the deployment's Directory (every cell, its
// state and live servers, the placement overrides), for a server that answers route lookups
// (GET /v1/route) from memory. Its own ZooKeeper session; one worker thread re-reads what a
// watch says changed (every watch is re-armed by the read that lists, as in the coordinator)
// and publishes a new immutable Directory; readers take the current one without waiting.
//
// While ZooKeeper is unreachable the last copy keeps answering (a route may then be stale:
// the device is relayed or redirected by the server it reaches, so a stale route costs a hop,
// never a wrong owner). After a session expiry the worker opens a new session and re-reads.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/result.h"
#include "cluster/directory.h"

typedef struct _zhandle zhandle_t;

namespace iris::cluster {

struct DirectoryOptions {
  std::string hosts;              // the ensemble
  std::string root = "/iris";
  std::chrono::milliseconds session_timeout{4000};
  // Changes that arrive together are read together: at most one re-read per interval.
  std::chrono::milliseconds min_interval{50};
  // Called on the worker thread with each new copy once readers can take it (a server tells
  // the devices of users moved to another cell to go: docs/CLUSTER.md "Moving a user to
  // another cell"). Must not block; must not throw.
  std::function<void(const std::shared_ptr<const Directory>&)> on_change{};
};

class ZooKeeperDirectory {
 public:
  // Starts the worker; the first copy is read before it returns when ZooKeeper answers
  // within `wait`, else the directory starts empty and fills in when it does.
  static std::unique_ptr<ZooKeeperDirectory> start(DirectoryOptions options, std::chrono::milliseconds wait);
  ~ZooKeeperDirectory();
  ZooKeeperDirectory(const ZooKeeperDirectory&) = delete;
  ZooKeeperDirectory& operator=(const ZooKeeperDirectory&) = delete;

  // The current copy; never null (empty before the first read). Thread-safe.
  std::shared_ptr<const Directory> current() const;
  // Re-reads done since start (for tests and /metrics).
  std::uint64_t reads() const;

 private:
  explicit ZooKeeperDirectory(DirectoryOptions options);
  static void on_watch(zhandle_t* zh, int type, int state, const char* path, void* context);
  void run();
  bool open_session();
  Result<std::shared_ptr<const Directory>> read_all();

  DirectoryOptions options_;
  zhandle_t* zh_ = nullptr;  // worker thread only (and on_watch's argument)

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool dirty_ = true;
  bool expired_ = false;
  bool connected_ = false;
  bool stop_ = false;
  std::uint64_t reads_ = 0;
  std::shared_ptr<const Directory> current_;
  std::thread worker_;
};

}  // namespace iris::cluster
