// The MariaDB social store against a real server (one per test binary): the conformance suite,
// two servers of a cell sharing one state, a database of a newer social schema refused, and
// the policy failing closed while the database is unreachable.
#include "store/mariadb/mariadb_social_store.h"

#include <gtest/gtest.h>

#include "store/errc.h"
#include "store/tests/mariadb_server.h"
#include "store/tests/social_store_conformance.h"

namespace iris::store {
namespace {

using core::Relation;
using core::UserId;
using testing::MariaDbServer;

// A fresh database per test (per backend object); open() reopens the store on it.
struct MariaDbBackend {
  MariaDbBackend() {
    server = MariaDbServer::shared();
    if (server) options = server->options(server->fresh_database());
  }
  std::unique_ptr<SocialStore> open(core::GroupAdd group_add_default) {
    if (!server) return nullptr;
    return open_mariadb_social_store(options, group_add_default);
  }
  MariaDbServer* server = nullptr;
  MariaDbOptions options;
};

class MariaDbSocialStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!backend_.server) GTEST_SKIP() << "no MariaDB server";
  }
  MariaDbBackend backend_;
};

TEST_F(MariaDbSocialStoreTest, TwoServersOfACellReadWhatEitherWrote) {
  auto a = backend_.open(core::GroupAdd::contacts);
  auto b = backend_.open(core::GroupAdd::contacts);
  EXPECT_TRUE(a->cell_wide());
  ASSERT_TRUE(b->set_relation(UserId{2}, UserId{1}, Relation::blocked));  // on the blocker's owner
  auto seen = a->blocked_by(UserId{1}, std::vector<UserId>{UserId{2}, UserId{3}});  // on the sender's
  ASSERT_TRUE(seen) << seen.error().message();
  EXPECT_EQ(*seen, std::vector<UserId>{UserId{2}});
  const FolderRow row{UserId{3}, core::ThreadId{9}, core::Folder::requests};
  ASSERT_TRUE(a->set_folders(std::span(&row, 1)));  // a remote recipient's requests row
  EXPECT_EQ(*b->folder(UserId{3}, core::ThreadId{9}), core::Folder::requests);
  ASSERT_TRUE(b->set_relation(UserId{2}, UserId{1}, Relation::none));
  EXPECT_TRUE(a->blocked_by(UserId{1}, std::vector<UserId>{UserId{2}})->empty()) << "no stale copy on a";
}

TEST_F(MariaDbSocialStoreTest, RefusesADatabaseOfANewerSocialSchema) {
  auto s = backend_.open(core::GroupAdd::contacts);
  ASSERT_TRUE(s->relation(UserId{1}, UserId{2})) << "creates the tables";
  ASSERT_TRUE(backend_.server->admin("UPDATE " + backend_.options.database +
                                     ".schema_version SET version = 99 WHERE component = 'social'"));
  auto reopened = backend_.open(core::GroupAdd::contacts);
  auto r = reopened->relation(UserId{1}, UserId{2});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::open_failed));
}

TEST_F(MariaDbSocialStoreTest, ABlockCheckFailsClosedWhileNoServerAnswers) {
  MariaDbOptions gone = backend_.options;
  gone.servers = {"127.0.0.1:1"};  // nobody listens: refused at once
  auto s = open_mariadb_social_store(gone, core::GroupAdd::contacts);
  auto r = s->blocked_by(UserId{1}, std::vector<UserId>{UserId{2}});
  ASSERT_FALSE(r) << "an unreadable block list is not an empty one";
  EXPECT_EQ(r.error(), make_error_code(errc::unavailable));
  EXPECT_FALSE(s->view(UserId{2}, UserId{1}));
}

}  // namespace

namespace conformance {
INSTANTIATE_TYPED_TEST_SUITE_P(MariaDb, SocialStoreConformance, ::testing::Types<MariaDbBackend>);
}  // namespace conformance

}  // namespace iris::store
