#include "mqtt/retained_quota.h"

#include <gtest/gtest.h>

namespace iris::mqtt {
namespace {

MqttOptions limits(std::size_t count, std::size_t bytes, std::size_t user_count,
                   std::size_t user_bytes) {
  MqttOptions o;
  o.max_retained_messages = count;
  o.max_retained_bytes = bytes;
  o.max_retained_messages_per_user = user_count;
  o.max_retained_bytes_per_user = user_bytes;
  return o;
}

TEST(RetainedLedger, RefusesTheMessageOverTheUsersCount) {
  RetainedLedger l(limits(100, 10'000, 2, 10'000));
  EXPECT_EQ(l.admit("7", "a", 10), std::nullopt);
  EXPECT_EQ(l.admit("7", "b", 10), std::nullopt);
  EXPECT_EQ(l.admit("7", "c", 10), RetainedLimit::user_count);
  EXPECT_EQ(l.admit("8", "c", 10), std::nullopt) << "another user has its own count";
  EXPECT_EQ(l.count(), 3u);
}

TEST(RetainedLedger, RefusesTheMessageOverTheUsersBytes) {
  RetainedLedger l(limits(100, 10'000, 100, 25));
  EXPECT_EQ(l.admit("7", "a", 20), std::nullopt);
  EXPECT_EQ(l.admit("7", "b", 6), RetainedLimit::user_bytes);
  EXPECT_EQ(l.admit("7", "b", 5), std::nullopt);
  EXPECT_EQ(l.bytes(), 25u);
}

TEST(RetainedLedger, BoundsTheTotalOverEveryUser) {
  RetainedLedger l(limits(2, 30, 100, 10'000));
  EXPECT_EQ(l.admit("1", "a", 10), std::nullopt);
  EXPECT_EQ(l.admit("2", "b", 10), std::nullopt);
  EXPECT_EQ(l.admit("3", "c", 1), RetainedLimit::total_count);
  EXPECT_EQ(l.admit("2", "b", 21), RetainedLimit::total_bytes);
  EXPECT_EQ(l.admit("2", "b", 20), std::nullopt) << "a replacement within the bytes";
}

TEST(RetainedLedger, ReplacingOrReleasingNeverPassesABoundAndFreesRoom) {
  RetainedLedger l(limits(1, 100, 1, 100));
  EXPECT_EQ(l.admit("7", "a", 50), std::nullopt);
  EXPECT_EQ(l.admit("7", "a", 40), std::nullopt) << "same topic, same user: no new message";
  EXPECT_EQ(l.count(), 1u);
  EXPECT_EQ(l.bytes(), 40u);
  EXPECT_EQ(l.admit("8", "b", 1), RetainedLimit::total_count);
  l.release("a");
  EXPECT_EQ(l.count(), 0u);
  EXPECT_EQ(l.bytes(), 0u);
  EXPECT_EQ(l.admit("8", "b", 1), std::nullopt);
}

TEST(RetainedLedger, ATopicTakenOverMovesToTheNewPublishersAccount) {
  RetainedLedger l(limits(100, 1000, 1, 1000));
  EXPECT_EQ(l.admit("7", "a", 10), std::nullopt);
  EXPECT_EQ(l.admit("8", "a", 10), std::nullopt);
  EXPECT_EQ(l.count(), 1u);
  EXPECT_EQ(l.admit("7", "b", 10), std::nullopt) << "7 no longer holds a";
  EXPECT_EQ(l.admit("8", "c", 10), RetainedLimit::user_count);
}

TEST(RetainedLedger, NamesTheConfigKeyOfEachLimit) {
  EXPECT_EQ(config_key(RetainedLimit::user_bytes), "mqtt.max_retained_bytes_per_user");
  EXPECT_EQ(config_key(RetainedLimit::total_count), "mqtt.max_retained_messages");
}

}  // namespace
}  // namespace iris::mqtt
