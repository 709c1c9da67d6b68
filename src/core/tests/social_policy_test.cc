#include "core/social_policy.h"

#include <gtest/gtest.h>

namespace iris::core {
namespace {

constexpr RecipientView view(Relation r, GroupAdd g = GroupAdd::contacts) { return {r, g}; }

TEST(SocialPolicy, AThreadFromAStrangerLandsInRequests) {
  EXPECT_EQ(folder_for_new_thread(view(Relation::none), Arrival::one_to_one), Folder::requests);
}

TEST(SocialPolicy, AThreadFromAContactLandsInTheInbox) {
  EXPECT_EQ(folder_for_new_thread(view(Relation::contact), Arrival::one_to_one), Folder::inbox);
  EXPECT_EQ(folder_for_new_thread(view(Relation::contact), Arrival::group), Folder::inbox);
}

TEST(SocialPolicy, ABlockedUserCannotMessageStartOrAdd) {
  EXPECT_FALSE(may_message(Relation::blocked));
  for (auto g : {GroupAdd::contacts, GroupAdd::anyone, GroupAdd::nobody}) {
    EXPECT_FALSE(may_add(view(Relation::blocked, g), Arrival::one_to_one));
    EXPECT_FALSE(may_add(view(Relation::blocked, g), Arrival::group));
    EXPECT_EQ(folder_for_new_thread(view(Relation::blocked, g), Arrival::one_to_one), std::nullopt);
  }
}

TEST(SocialPolicy, ContactsAndStrangersMayMessage) {
  EXPECT_TRUE(may_message(Relation::none));
  EXPECT_TRUE(may_message(Relation::contact));
}

TEST(SocialPolicy, GroupAddByDefaultAdmitsContactsOnly) {
  EXPECT_TRUE(may_add(view(Relation::contact), Arrival::group));
  EXPECT_FALSE(may_add(view(Relation::none), Arrival::group));
  EXPECT_EQ(folder_for_new_thread(view(Relation::none), Arrival::group), std::nullopt);
}

TEST(SocialPolicy, GroupAddAnyoneAdmitsStrangersIntoRequests) {
  EXPECT_EQ(folder_for_new_thread(view(Relation::none, GroupAdd::anyone), Arrival::group),
            Folder::requests);
}

TEST(SocialPolicy, GroupAddNobodyRefusesEvenContacts) {
  EXPECT_FALSE(may_add(view(Relation::contact, GroupAdd::nobody), Arrival::group));
  // A thread of two is not a group add: the setting does not apply to it.
  EXPECT_EQ(folder_for_new_thread(view(Relation::contact, GroupAdd::nobody), Arrival::one_to_one),
            Folder::inbox);
  EXPECT_EQ(folder_for_new_thread(view(Relation::none, GroupAdd::nobody), Arrival::one_to_one),
            Folder::requests);
}

TEST(SocialPolicy, AMailAddressedToSeveralUsersIsRefusedOnlyByABlockAndLandsInRequests) {
  EXPECT_EQ(folder_for_new_thread(view(Relation::none, GroupAdd::nobody), Arrival::addressed), Folder::requests);
  EXPECT_EQ(folder_for_new_thread(view(Relation::contact, GroupAdd::contacts), Arrival::addressed), Folder::inbox);
  EXPECT_EQ(folder_for_new_thread(view(Relation::blocked, GroupAdd::anyone), Arrival::addressed), std::nullopt);
  EXPECT_TRUE(is_external_identity(UserId{std::uint64_t{1} << 63}));
  EXPECT_FALSE(is_external_identity(UserId{7}));
}

TEST(SocialPolicy, NamesAreTheWireNames) {
  EXPECT_EQ(relation_name(Relation::blocked), "blocked");
  EXPECT_EQ(folder_name(Folder::requests), "requests");
  EXPECT_EQ(group_add_name(GroupAdd::nobody), "nobody");
}

}  // namespace
}  // namespace iris::core
