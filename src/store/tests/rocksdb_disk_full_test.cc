// A full disk, for real: the store on a small tmpfs, the rest of the tmpfs taken by a filler
// file, appends until the disk is full, then the filler removed. Needs mount(2) (root or
// CAP_SYS_ADMIN); skipped where the sandbox does not allow it.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "core/testing/random_updates.h"
#include "store/errc.h"
#include "store/rocksdb/rocksdb_queue_store.h"
#include "store/tests/temp_dir.h"

namespace iris::store {
namespace {

using core::testing::message;
using namespace std::chrono_literals;

// A tmpfs of `bytes` mounted on a fresh directory for the test's lifetime.
class SmallTmpfs {
 public:
  explicit SmallTmpfs(std::size_t bytes) {
    const std::string opts = "size=" + std::to_string(bytes) + ",mode=0700";
    if (::mount("tmpfs", dir_.str().c_str(), "tmpfs", 0, opts.c_str()) == 0) mounted_ = true;
    else error_ = std::strerror(errno);
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.str().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  std::filesystem::path path() const { return dir_.path(); }

 private:
  testing::TempDir dir_;
  bool mounted_ = false;
  std::string error_;
};

// Writes `path` until the filesystem is full, then gives back `leave` bytes.
void fill_leaving(const std::filesystem::path& path, std::size_t leave) {
  {
    std::ofstream out(path, std::ios::binary);
    const std::string chunk(64 << 10, 'f');
    for (int i = 0; i < 4096 && out.write(chunk.data(), chunk.size()) && out.flush(); ++i) {
    }
  }
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size > leave ? size - leave : 0);
}

std::string name(std::uint64_t n) { return "m" + std::to_string(n); }
std::string name_of(const core::Update& u) {
  const auto& text = std::get<core::MessageCreated>(u.body).text;
  return text.substr(0, text.find(':'));
}

// Append number n: its text starts with name(n), its idempotency key is n.
AppendRequest keyed(std::uint64_t n) {
  AppendRequest r;
  r.entries.push_back({UserId{1}, message(core::ThreadId{1}, UserId{1}, name(n) + ":" + std::string(1000, 'x'))});
  r.idempotency = core::IdempotencyKey{UserId{1}, core::ClientMsgId{0, n}};
  return r;
}

TEST(RocksDbQueueStoreDiskFull, RefusesWritesWhileFullAndRecoversWithoutReopenLosingNothingAcknowledged) {
  SmallTmpfs fs(8 << 20);
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << fs.error();
  StoreOptions o;
  o.path = (fs.path() / "queue").string();
  o.recovery_backoff = 20ms;
  o.recovery_backoff_max = 200ms;
  auto opened = open_rocksdb_queue_store(o);
  ASSERT_TRUE(opened) << opened.error().message();
  auto store = std::move(*opened);
  ASSERT_TRUE(store->append(keyed(0)));
  fill_leaving(fs.path() / "filler", 64 << 10);

  // Appends until the disk refuses one; every acknowledged one is remembered.
  std::map<std::uint64_t, Seq> acknowledged{{0, Seq{1}}};
  std::uint64_t n = 1;
  std::optional<std::error_code> refusal;
  for (; n < 2000 && !refusal; ++n) {
    auto r = store->append(keyed(n));
    if (r) acknowledged[n] = r->positions.front().seq;
    else refusal = r.error();
  }
  ASSERT_TRUE(refusal) << "the disk never filled";
  EXPECT_EQ(*refusal, errc::io_error);
  EXPECT_FALSE(store->stats().writable);
  const std::uint64_t failed = n - 1;
  // While the disk stays full, writes keep failing (refused, or failing again after a resume).
  for (int i = 0; i < 5; ++i) {
    auto r = store->append(keyed(failed));
    ASSERT_FALSE(r) << "an append succeeded on a full disk";
    EXPECT_TRUE(r.error() == errc::store_failed || r.error() == errc::io_error) << r.error().message();
    std::this_thread::sleep_for(30ms);
  }

  std::filesystem::remove(fs.path() / "filler");
  // Retries of the failed send (same idempotency key) succeed within a bounded time, without
  // reopening the store, and so does everything after it.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::optional<AppendResult> retried;
  while (!retried && std::chrono::steady_clock::now() < deadline) {
    if (auto r = store->append(keyed(failed))) retried = *r;
    else std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(retried) << "the store did not recover after space was freed";
  EXPECT_TRUE(store->stats().writable);
  acknowledged[failed] = retried->positions.front().seq;
  for (std::uint64_t k = failed + 1; k < failed + 20; ++k) {
    auto r = store->append(keyed(k));
    ASSERT_TRUE(r) << r.error().message();
    acknowledged[k] = r->positions.front().seq;
  }

  // After a reopen, the queue holds every acknowledged append exactly once, gapless.
  store.reset();
  opened = open_rocksdb_queue_store(o);
  ASSERT_TRUE(opened) << opened.error().message();
  auto all = (*opened)->read(UserId{1}, Seq{1}, 10000);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), acknowledged.size());
  std::map<std::string, int> seen;
  for (const auto& u : *all) ++seen[name_of(u)];
  for (const auto& [k, seq] : acknowledged) EXPECT_EQ(name_of((*all)[seq.value() - 1]), name(k));
  for (const auto& [which, count] : seen) EXPECT_EQ(count, 1) << which;
}

}  // namespace
}  // namespace iris::store
