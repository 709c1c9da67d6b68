// The social store conformance suite (social_store_conformance.h) over the embedded backend,
// SQLite (a file, reopened). MariaDB runs it in mariadb_social_store_test.cc.
#include "store/social/sqlite_social_store.h"

#include <gtest/gtest.h>

#include <memory>

#include "store/tests/social_store_conformance.h"
#include "store/tests/temp_dir.h"

namespace iris::store {
namespace {

struct SqliteBackend {
  testing::TempDir dir;
  std::unique_ptr<SocialStore> open(core::GroupAdd group_add_default) {
    auto s = SocialStore::open(dir.str() + "/social.sqlite", group_add_default);
    return s ? std::move(*s) : nullptr;
  }
};

TEST(SqliteSocialStore, IsOneServersOwnNotCellWide) {
  auto s = SocialStore::open(":memory:");
  ASSERT_TRUE(s);
  EXPECT_FALSE((*s)->cell_wide());
}

TEST(SqliteSocialStore, HoldsStateOnlyOnceAFileHasAContactBlockSettingOrFolder) {
  testing::TempDir dir;
  const auto path = dir.str() + "/social.sqlite";
  auto none = SqliteSocialStore::holds_state(path);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none) << "no file";
  {
    auto s = SqliteSocialStore::open(path, core::GroupAdd::contacts);
    ASSERT_TRUE(s);
  }
  auto empty = SqliteSocialStore::holds_state(path);
  ASSERT_TRUE(empty);
  EXPECT_FALSE(*empty) << "a file with no rows";
  {
    auto s = SqliteSocialStore::open(path, core::GroupAdd::contacts);
    ASSERT_TRUE(s);
    ASSERT_TRUE((*s)->set_relation(core::UserId{1}, core::UserId{2}, core::Relation::blocked));
  }
  auto held = SqliteSocialStore::holds_state(path);
  ASSERT_TRUE(held);
  EXPECT_TRUE(*held) << "a block";
}

}  // namespace

namespace conformance {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, SocialStoreConformance, ::testing::Types<SqliteBackend>);
}  // namespace conformance

}  // namespace iris::store
