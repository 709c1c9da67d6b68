#include "store/social/social_store.h"

#include <gtest/gtest.h>

#include "store/tests/temp_dir.h"

namespace iris::store {
namespace {

using core::Folder;
using core::GroupAdd;
using core::Relation;
using core::ThreadId;
using core::UserId;

TEST(SocialStore, KeepsContactsBlocksSettingsAndFoldersAcrossAReopen) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/social.sqlite";
  {
    auto s = SocialStore::open(path);
    ASSERT_TRUE(s) << s.error().message();
    ASSERT_TRUE((*s)->set_relation(UserId{1}, UserId{3}, Relation::contact));
    ASSERT_TRUE((*s)->set_relation(UserId{1}, UserId{2}, Relation::contact));
    ASSERT_TRUE((*s)->set_relation(UserId{1}, UserId{9}, Relation::blocked));
    ASSERT_TRUE((*s)->set_group_add(UserId{1}, GroupAdd::nobody));
    const FolderRow rows[] = {{UserId{1}, ThreadId{7}, Folder::requests}, {UserId{1}, ThreadId{8}, Folder::archived}};
    ASSERT_TRUE((*s)->set_folders(rows));
  }
  auto s = SocialStore::open(path);
  ASSERT_TRUE(s) << s.error().message();
  auto state = (*s)->state(UserId{1});
  ASSERT_TRUE(state);
  EXPECT_EQ(*state, (SocialState{{UserId{2}, UserId{3}}, {UserId{9}}, GroupAdd::nobody}));
  EXPECT_TRUE((*s)->has_blocked(UserId{1}, UserId{9}));  // the in-memory block set is reloaded
  auto folders = (*s)->folders(UserId{1});
  ASSERT_TRUE(folders);
  EXPECT_EQ(folders->size(), 2u);
  EXPECT_EQ(*(*s)->folder(UserId{1}, ThreadId{7}), Folder::requests);
  EXPECT_EQ(*(*s)->folder(UserId{1}, ThreadId{99}), Folder::inbox);
}

TEST(SocialStore, AUserWhoNeverChoseHasTheDeploymentsDefaultAndAChoiceOutlivesItsChange) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/social.sqlite";
  {
    auto s = SocialStore::open(path, GroupAdd::anyone);
    ASSERT_TRUE(s) << s.error().message();
    EXPECT_EQ((*s)->state(UserId{1})->group_add, GroupAdd::anyone);
    EXPECT_EQ((*s)->view(UserId{1}, UserId{2})->group_add, GroupAdd::anyone);
    ASSERT_TRUE((*s)->set_group_add(UserId{2}, GroupAdd::anyone));  // chosen, equal to the default
  }
  auto s = SocialStore::open(path);  // the default back to contacts
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ((*s)->state(UserId{1})->group_add, GroupAdd::contacts);
  EXPECT_EQ((*s)->state(UserId{2})->group_add, GroupAdd::anyone) << "the user's own choice stays";
}

TEST(SocialStore, ARelationIsOneOfNoneContactOrBlocked) {
  auto s = SocialStore::open(":memory:");
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->set_relation(UserId{1}, UserId{2}, Relation::contact));
  ASSERT_TRUE((*s)->set_relation(UserId{1}, UserId{2}, Relation::blocked));  // replaces the contact
  EXPECT_EQ(*(*s)->relation(UserId{1}, UserId{2}), Relation::blocked);
  EXPECT_TRUE((*s)->has_blocked(UserId{1}, UserId{2}));
  EXPECT_FALSE((*s)->has_blocked(UserId{2}, UserId{1}));  // a block is one way
  ASSERT_TRUE((*s)->set_relation(UserId{1}, UserId{2}, Relation::none));
  EXPECT_FALSE((*s)->has_blocked(UserId{1}, UserId{2}));
  EXPECT_EQ(*(*s)->state(UserId{1}), SocialState{});
}

TEST(SocialStore, FolderForANewThreadFollowsTheRecipientsState) {
  auto s = SocialStore::open(":memory:");
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->set_relation(UserId{1}, UserId{2}, Relation::contact));
  ASSERT_TRUE((*s)->set_relation(UserId{1}, UserId{3}, Relation::blocked));
  using core::Arrival;
  EXPECT_EQ(*(*s)->folder_for_new_thread(UserId{1}, UserId{2}, Arrival::one_to_one), Folder::inbox);
  EXPECT_EQ(*(*s)->folder_for_new_thread(UserId{1}, UserId{4}, Arrival::one_to_one), Folder::requests);
  EXPECT_EQ(*(*s)->folder_for_new_thread(UserId{1}, UserId{3}, Arrival::one_to_one), std::nullopt);
  EXPECT_EQ(*(*s)->folder_for_new_thread(UserId{1}, UserId{4}, Arrival::group), std::nullopt);
}

TEST(SocialStore, OrdersIdsAbove2To63AsUnsigned) {
  auto s = SocialStore::open(":memory:");
  ASSERT_TRUE(s);
  const UserId big{std::uint64_t{1} << 63};
  ASSERT_TRUE((*s)->set_relation(UserId{1}, big, Relation::contact));
  ASSERT_TRUE((*s)->set_relation(UserId{1}, UserId{5}, Relation::contact));
  EXPECT_EQ((*s)->state(UserId{1})->contacts, (std::vector<UserId>{UserId{5}, big}));
}

}  // namespace
}  // namespace iris::store
