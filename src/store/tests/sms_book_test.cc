#include "store/sms/sms_book.h"

#include <gtest/gtest.h>

namespace iris::store {
namespace {

TEST(SmsBook, ANumberBelongsToOneUserAndTheFirstIsTheSender) {
  auto book = SmsBook::open(":memory:");
  ASSERT_TRUE(book);
  auto& b = **book;
  ASSERT_TRUE(b.assign("+15550000002", core::UserId{7}));
  ASSERT_TRUE(b.assign("+15550000001", core::UserId{7}));
  EXPECT_EQ(**b.owner("+15550000002"), core::UserId{7});
  EXPECT_EQ(**b.number_of(core::UserId{7}), "+15550000001");
  ASSERT_TRUE(b.assign("+15550000001", core::UserId{8}));  // reassigned, not shared
  EXPECT_EQ(**b.owner("+15550000001"), core::UserId{8});
  EXPECT_EQ(**b.number_of(core::UserId{7}), "+15550000002");
  ASSERT_TRUE(b.unassign("+15550000002"));
  EXPECT_FALSE(*b.owner("+15550000002"));
  EXPECT_FALSE(*b.number_of(core::UserId{7}));
}

TEST(SmsBook, ParticipantsAreListedInIdOrderAcrossPages) {
  auto book = SmsBook::open(":memory:");
  ASSERT_TRUE(book);
  auto& b = **book;
  const std::uint64_t top = std::uint64_t{1} << 63;
  ASSERT_TRUE(b.remember_participant(core::UserId{top | 5}, "+15550000005"));
  ASSERT_TRUE(b.remember_participant(core::UserId{top | 1}, "+15550000001"));
  ASSERT_TRUE(b.remember_participant(core::UserId{top | 3}, "+15550000003"));
  EXPECT_EQ(**b.participant_number(core::UserId{top | 3}), "+15550000003");
  EXPECT_FALSE(*b.participant_number(core::UserId{top | 4}));
  auto first = b.participants(core::UserId{0}, 2);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0], core::UserId{top | 1});
  auto rest = b.participants(first->back(), 2);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0], core::UserId{top | 5});
}

}  // namespace
}  // namespace iris::store
