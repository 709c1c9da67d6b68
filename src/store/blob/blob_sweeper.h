#pragma once
// BlobSweeper: the background thread that runs BlobService::sweep every
// blobs.sweep_interval, so removing files never runs on an event loop. stop() (or the
// destructor) wakes and joins it. The service must outlive the sweeper.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/blob/blob_service.h"

namespace iris::store {

class BlobSweeper {
 public:
  explicit BlobSweeper(BlobService& service);
  ~BlobSweeper();
  BlobSweeper(const BlobSweeper&) = delete;
  BlobSweeper& operator=(const BlobSweeper&) = delete;
  void stop();

  // Blobs removed per pass at most; a pass that hits it runs again at once.
  static constexpr std::size_t kBatch = 1000;

 private:
  void run();
  BlobService& service_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace iris::store
