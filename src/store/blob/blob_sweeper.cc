#include "store/blob/blob_sweeper.h"

#include "base/log.h"
#include "base/thread_name.h"

namespace iris::store {

BlobSweeper::BlobSweeper(BlobService& service) : service_(service), thread_([this] { run(); }) {}

BlobSweeper::~BlobSweeper() { stop(); }

void BlobSweeper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BlobSweeper::run() {
  name_this_thread("iris-blob-gc");
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const core::Timestamp now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    auto removed = service_.sweep(now, kBatch);
    if (!removed) IRIS_LOG(warn, "blob", "blob sweep failed: {}", removed.error().message());
    lock.lock();
    if (removed && *removed == kBatch) continue;
    wake_.wait_for(lock, service_.options().sweep_interval, [this] { return stopping_; });
  }
}

}  // namespace iris::store
