#include "core/idempotency.h"

#include <gtest/gtest.h>

namespace iris::core {
namespace {

using std::chrono::milliseconds;

TEST(IdempotencyTable, RetryReturnsTheFirstResult) {
  IdempotencyTable table;
  const IdempotencyKey key{UserId{1}, ClientMsgId{2, 3}};
  const IdempotencyRecord first{Timestamp{milliseconds{10}}, {{UserId{1}, Seq{4}}, {UserId{2}, Seq{9}}}};
  EXPECT_TRUE(table.remember(key, first));
  EXPECT_FALSE(table.remember(key, IdempotencyRecord{Timestamp{milliseconds{20}}, {}}));
  ASSERT_NE(table.find(key), nullptr);
  EXPECT_EQ(*table.find(key), first);
}

TEST(IdempotencyTable, KeyIsSenderAndClientIdTogether) {
  IdempotencyTable table;
  table.remember({UserId{1}, ClientMsgId{0, 7}}, {});
  EXPECT_EQ(table.find({UserId{2}, ClientMsgId{0, 7}}), nullptr);
  EXPECT_EQ(table.find({UserId{1}, ClientMsgId{7, 0}}), nullptr);
  EXPECT_NE(table.find({UserId{1}, ClientMsgId{0, 7}}), nullptr);
}

TEST(IdempotencyTable, ExpiresOnlyRecordsOlderThanCutoff) {
  IdempotencyTable table;
  table.remember({UserId{1}, ClientMsgId{0, 1}}, {Timestamp{milliseconds{100}}, {}});
  table.remember({UserId{1}, ClientMsgId{0, 2}}, {Timestamp{milliseconds{200}}, {}});
  EXPECT_EQ(table.expire_before(Timestamp{milliseconds{200}}), 1u);
  EXPECT_EQ(table.find({UserId{1}, ClientMsgId{0, 1}}), nullptr);
  EXPECT_NE(table.find({UserId{1}, ClientMsgId{0, 2}}), nullptr);
}

}  // namespace
}  // namespace iris::core
