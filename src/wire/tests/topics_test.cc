#include "wire/topics.h"

#include <gtest/gtest.h>

namespace iris::wire {
namespace {

TEST(Topics, BuildsEveryUserTopicFromAnIdOrItsText) {
  EXPECT_EQ(user_topic(core::UserId{42}, UserTopic::sync), "u/42/sync");
  EXPECT_EQ(user_topic(core::UserId{42}, UserTopic::deltas), "u/42/deltas");
  EXPECT_EQ(user_topic(core::UserId{42}, UserTopic::responses), "u/42/responses");
  EXPECT_EQ(user_topic(core::UserId{42}, UserTopic::trace), "u/42/trace");
  EXPECT_EQ(user_topic("42", UserTopic::notify), "u/42/notify");
}

TEST(Topics, BuildsTheThreadTopics) {
  EXPECT_EQ(typing_topic(core::ThreadId{7}), "t/7/typing");
  EXPECT_EQ(typing_json_topic(core::ThreadId{7}), "t/7/typing/json");
  EXPECT_EQ(thread_root(core::ThreadId{7}), "t/7");
}

TEST(Topics, ParsesTheUserLevelOfExactlyTheNamedTopic) {
  EXPECT_EQ(user_of_topic("u/42/sync", UserTopic::sync), "42");
  EXPECT_EQ(user_of_topic("u/abc/sync", UserTopic::sync), "abc") << "id checks are the caller's";
  for (std::string_view not_it : {"u//sync", "u/sync", "u/1/2/sync", "t/1/sync", "u/1/syncx",
                                  "u/1/deltas", "x/1/sync", "u1/sync", "", "u/1/sync/"}) {
    EXPECT_EQ(user_of_topic(not_it, UserTopic::sync), std::nullopt) << not_it;
  }
}

TEST(Topics, ParsesTheThreadOfATypingTopicButNotOfItsJsonTwin) {
  EXPECT_EQ(thread_of_typing_topic("t/7/typing"), "7");
  EXPECT_EQ(thread_of_typing_topic(typing_topic(core::ThreadId{99})), "99");
  for (std::string_view not_it : {"t/7/typing/json", "t//typing", "t/typing", "t/1/2/typing",
                                  "u/7/typing", "t/7/typingx"}) {
    EXPECT_EQ(thread_of_typing_topic(not_it), std::nullopt) << not_it;
  }
}

TEST(Topics, ParsesWhatItBuilds) {
  for (auto leaf : {UserTopic::sync, UserTopic::deltas, UserTopic::responses, UserTopic::trace,
                    UserTopic::notify}) {
    EXPECT_EQ(user_of_topic(user_topic(core::UserId{18446744073709551615u}, leaf), leaf),
              "18446744073709551615");
  }
}

}  // namespace
}  // namespace iris::wire
