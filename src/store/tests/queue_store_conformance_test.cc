// The queue store conformance suite (queue_store_conformance.h) for the in-memory model and
// RocksDB; MariaDB's is in mariadb_queue_store_test.cc (it needs a server).
#include "store/tests/queue_store_conformance.h"

#include "store/memory/memory_queue_store.h"
#include "store/rocksdb/rocksdb_queue_store.h"
#include "store/tests/temp_dir.h"

namespace iris::store::testing {
namespace {

struct MemoryBackend {
  std::unique_ptr<QueueStore> open(const StoreOptions& o) { return make_memory_queue_store(o); }
};
struct RocksDbBackend {
  TempDir dir;
  std::unique_ptr<QueueStore> open(StoreOptions o) {
    o.path = (dir.path() / "queue").string();
    auto s = open_rocksdb_queue_store(o);
    EXPECT_TRUE(s) << s.error().message();
    return s ? std::move(*s) : nullptr;
  }
};

using Backends = ::testing::Types<MemoryBackend, RocksDbBackend>;
INSTANTIATE_TYPED_TEST_SUITE_P(Embedded, QueueStoreConformance, Backends);

}  // namespace
}  // namespace iris::store::testing
