#pragma once
// One typed suite that every SocialStore backend passes: the contract in social_store.h. A
// backend's test file instantiates it with a Backend type whose open(group_add_default) opens
// (or reopens) the store under test on the same storage, nullptr when it cannot run here:
//   INSTANTIATE_TYPED_TEST_SUITE_P(Name, SocialStoreConformance, ::testing::Types<...>);
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "store/social/social_store.h"

namespace iris::store::conformance {

template <typename Backend>
class SocialStoreConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!backend_.open(core::GroupAdd::contacts)) GTEST_SKIP() << "backend unavailable";
    open();
  }
  SocialStore& open(core::GroupAdd group_add_default = core::GroupAdd::contacts) {
    store_.reset();
    store_ = backend_.open(group_add_default);
    return *store_;
  }
  // Who of `owners` blocked `actor`, ascending.
  std::vector<core::UserId> blockers(core::UserId actor, std::vector<core::UserId> owners) {
    auto r = store_->blocked_by(actor, owners);
    EXPECT_TRUE(r) << r.error().message();
    auto out = r.value_or(std::vector<core::UserId>{});
    std::sort(out.begin(), out.end());
    return out;
  }
  Backend backend_;
  std::unique_ptr<SocialStore> store_;
};

TYPED_TEST_SUITE_P(SocialStoreConformance);

using core::Folder;
using core::GroupAdd;
using core::Relation;
using core::ThreadId;
using core::UserId;

TYPED_TEST_P(SocialStoreConformance, KeepsContactsBlocksSettingsAndFoldersAcrossAReopen) {
  {
    auto& s = *this->store_;
    ASSERT_TRUE(s.set_relation(UserId{1}, UserId{3}, Relation::contact));
    ASSERT_TRUE(s.set_relation(UserId{1}, UserId{2}, Relation::contact));
    ASSERT_TRUE(s.set_relation(UserId{1}, UserId{9}, Relation::blocked));
    ASSERT_TRUE(s.set_group_add(UserId{1}, GroupAdd::nobody));
    const FolderRow rows[] = {{UserId{1}, ThreadId{7}, Folder::requests}, {UserId{1}, ThreadId{8}, Folder::archived}};
    ASSERT_TRUE(s.set_folders(rows));
  }
  auto& s = this->open();
  auto state = s.state(UserId{1});
  ASSERT_TRUE(state) << state.error().message();
  EXPECT_EQ(*state, (SocialState{{UserId{2}, UserId{3}}, {UserId{9}}, GroupAdd::nobody}));
  EXPECT_EQ(this->blockers(UserId{9}, {UserId{1}}), std::vector<UserId>{UserId{1}}) << "blocks are read after a reopen";
  auto folders = s.folders(UserId{1});
  ASSERT_TRUE(folders);
  EXPECT_EQ(*folders, (std::map<ThreadId, Folder>{{ThreadId{7}, Folder::requests}, {ThreadId{8}, Folder::archived}}));
  EXPECT_EQ(*s.folder(UserId{1}, ThreadId{7}), Folder::requests);
  EXPECT_EQ(*s.folder(UserId{1}, ThreadId{99}), Folder::inbox);
}

TYPED_TEST_P(SocialStoreConformance, AUserWhoNeverChoseHasTheDeploymentsDefaultAndAChoiceOutlivesItsChange) {
  {
    auto& s = this->open(GroupAdd::anyone);
    EXPECT_EQ(s.state(UserId{1})->group_add, GroupAdd::anyone);
    EXPECT_EQ(s.view(UserId{1}, UserId{2})->group_add, GroupAdd::anyone);
    ASSERT_TRUE(s.set_group_add(UserId{2}, GroupAdd::anyone));  // chosen, equal to the default
  }
  auto& s = this->open(GroupAdd::contacts);  // the default back to contacts
  EXPECT_EQ(s.state(UserId{1})->group_add, GroupAdd::contacts);
  EXPECT_EQ(s.state(UserId{2})->group_add, GroupAdd::anyone) << "the user's own choice stays";
  EXPECT_EQ(s.view(UserId{2}, UserId{1})->group_add, GroupAdd::anyone);
}

TYPED_TEST_P(SocialStoreConformance, ARelationIsOneOfNoneContactOrBlocked) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.set_relation(UserId{1}, UserId{2}, Relation::contact));
  ASSERT_TRUE(s.set_relation(UserId{1}, UserId{2}, Relation::blocked));  // replaces the contact
  EXPECT_EQ(*s.relation(UserId{1}, UserId{2}), Relation::blocked);
  EXPECT_EQ(s.view(UserId{1}, UserId{2})->actor_is, Relation::blocked);
  EXPECT_EQ(this->blockers(UserId{2}, {UserId{1}}), std::vector<UserId>{UserId{1}});
  EXPECT_TRUE(this->blockers(UserId{1}, {UserId{2}}).empty()) << "a block is one way";
  ASSERT_TRUE(s.set_relation(UserId{1}, UserId{2}, Relation::none));
  EXPECT_TRUE(this->blockers(UserId{2}, {UserId{1}}).empty());
  EXPECT_EQ(*s.relation(UserId{1}, UserId{2}), Relation::none);
  EXPECT_EQ(*s.state(UserId{1}), SocialState{});
}

TYPED_TEST_P(SocialStoreConformance, BlockedByNamesExactlyTheRecipientsWhoBlockedTheSender) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.set_relation(UserId{2}, UserId{1}, Relation::blocked));
  ASSERT_TRUE(s.set_relation(UserId{4}, UserId{1}, Relation::blocked));
  ASSERT_TRUE(s.set_relation(UserId{3}, UserId{1}, Relation::contact));
  ASSERT_TRUE(s.set_relation(UserId{5}, UserId{6}, Relation::blocked));  // blocked someone else
  EXPECT_EQ(this->blockers(UserId{1}, {UserId{2}, UserId{3}, UserId{4}, UserId{5}}),
            (std::vector<UserId>{UserId{2}, UserId{4}}));
  EXPECT_TRUE(this->blockers(UserId{1}, {}).empty());
  EXPECT_TRUE(this->blockers(UserId{6}, {UserId{2}, UserId{4}}).empty());
  ASSERT_TRUE(s.set_relation(UserId{20}, UserId{1}, Relation::blocked));
  std::vector<UserId> many;  // a group larger than the usual few
  for (std::uint64_t u = 2; u <= 20; ++u) many.push_back(UserId{u});
  EXPECT_EQ(this->blockers(UserId{1}, many), (std::vector<UserId>{UserId{2}, UserId{4}, UserId{20}}));
}

TYPED_TEST_P(SocialStoreConformance, FolderForANewThreadFollowsTheRecipientsState) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.set_relation(UserId{1}, UserId{2}, Relation::contact));
  ASSERT_TRUE(s.set_relation(UserId{1}, UserId{3}, Relation::blocked));
  using core::Arrival;
  EXPECT_EQ(*s.folder_for_new_thread(UserId{1}, UserId{2}, Arrival::one_to_one), Folder::inbox);
  EXPECT_EQ(*s.folder_for_new_thread(UserId{1}, UserId{4}, Arrival::one_to_one), Folder::requests);
  EXPECT_EQ(*s.folder_for_new_thread(UserId{1}, UserId{3}, Arrival::one_to_one), std::nullopt);
  EXPECT_EQ(*s.folder_for_new_thread(UserId{1}, UserId{4}, Arrival::group), std::nullopt);
  EXPECT_EQ(*s.folder_for_new_thread(UserId{1}, UserId{2}, Arrival::group), Folder::inbox);
  ASSERT_TRUE(s.set_group_add(UserId{1}, GroupAdd::anyone));
  EXPECT_EQ(*s.folder_for_new_thread(UserId{1}, UserId{4}, Arrival::group), Folder::requests);
}

TYPED_TEST_P(SocialStoreConformance, AFolderBackToTheInboxLeavesNoRow) {
  auto& s = *this->store_;
  const FolderRow put[] = {{UserId{1}, ThreadId{7}, Folder::requests}, {UserId{2}, ThreadId{7}, Folder::archived}};
  ASSERT_TRUE(s.set_folders(put));
  const FolderRow back[] = {{UserId{1}, ThreadId{7}, Folder::inbox}};
  ASSERT_TRUE(s.set_folders(back));
  EXPECT_TRUE(s.folders(UserId{1})->empty());
  EXPECT_EQ(*s.folder(UserId{2}, ThreadId{7}), Folder::archived) << "another user's row is its own";
}

TYPED_TEST_P(SocialStoreConformance, OrdersIdsAbove2To63AsUnsigned) {
  auto& s = *this->store_;
  const UserId big{std::uint64_t{1} << 63};
  ASSERT_TRUE(s.set_relation(UserId{1}, big, Relation::contact));
  ASSERT_TRUE(s.set_relation(UserId{1}, UserId{5}, Relation::contact));
  ASSERT_TRUE(s.set_relation(big, UserId{5}, Relation::blocked));
  EXPECT_EQ(s.state(UserId{1})->contacts, (std::vector<UserId>{UserId{5}, big}));
  EXPECT_EQ(this->blockers(UserId{5}, {UserId{1}, big}), std::vector<UserId>{big});
}

REGISTER_TYPED_TEST_SUITE_P(SocialStoreConformance, KeepsContactsBlocksSettingsAndFoldersAcrossAReopen,
                            AUserWhoNeverChoseHasTheDeploymentsDefaultAndAChoiceOutlivesItsChange,
                            ARelationIsOneOfNoneContactOrBlocked,
                            BlockedByNamesExactlyTheRecipientsWhoBlockedTheSender,
                            FolderForANewThreadFollowsTheRecipientsState, AFolderBackToTheInboxLeavesNoRow,
                            OrdersIdsAbove2To63AsUnsigned);

}  // namespace iris::store::conformance
