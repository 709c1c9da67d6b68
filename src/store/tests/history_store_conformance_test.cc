// The history store conformance suite (history_store_conformance.h) over the embedded
// backends: the in-memory model and SQLite. MariaDB runs it in mariadb_history_store_test.cc.
#include <gtest/gtest.h>

#include <memory>

#include "store/memory/memory_history_store.h"
#include "store/sqlite/sqlite_history_store.h"
#include "store/tests/history_store_conformance.h"
#include "store/tests/temp_dir.h"

namespace iris::store {
namespace {

struct MemoryBackend {
  std::unique_ptr<HistoryStore> open() { return make_memory_history_store(); }
};
struct SqliteBackend {
  testing::TempDir dir;
  std::unique_ptr<HistoryStore> open() {
    return open_sqlite_history_store({(dir.path() / "history").string(), std::chrono::milliseconds{0}});
  }
};

}  // namespace

namespace conformance {
using EmbeddedBackends = ::testing::Types<MemoryBackend, SqliteBackend>;
INSTANTIATE_TYPED_TEST_SUITE_P(Embedded, HistoryStoreConformance, EmbeddedBackends);
}  // namespace conformance

}  // namespace iris::store
