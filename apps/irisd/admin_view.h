#pragma once
// AdminView: the deployment report irisd serves to its admins (GET /v1/admin/cells, the admin
// page): what `irisctl cells` shows, made by ops::collect_deployment on a thread of its own,
// because it waits on ZooKeeper, every server's /metrics and the database pair. It is made
// only while someone looks (a report asked for in the last 30 s), at most every 2 s, and the
// HTTP threads only ever copy the latest one.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "ops/options.h"

namespace iris::irisd {

class AdminView {
 public:
  explicit AdminView(ops::Options options);
  ~AdminView();
  AdminView(const AdminView&) = delete;
  AdminView& operator=(const AdminView&) = delete;

  // The latest report as JSON (nullopt before the first one); wakes the maker.
  std::optional<std::string> report();

 private:
  void run();

  ops::Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<std::string> latest_;
  std::chrono::steady_clock::time_point asked_{};
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace iris::irisd
