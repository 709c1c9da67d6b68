#include "sync/baseline_view.h"

#include <gtest/gtest.h>

#include "sync/errc.h"
#include "wire/json_codec.h"

namespace iris::sync {
namespace {

using core::MessageId;
using core::Seq;
using core::ThreadId;
using core::UserId;

const UserId kMe{1}, kBob{2}, kEve{3};

class BaselineViewTest : public ::testing::Test {
 protected:
  void add(std::uint64_t thread, UserId actor, core::UpdateBody body) {
    inbox_.apply(core::Update{Seq{++seq_}, core::Timestamp{std::chrono::milliseconds{1000 + seq_}},
                              ThreadId{thread}, actor, std::move(body)});
  }
  void say(std::uint64_t thread, UserId who, std::uint64_t id, std::string text) {
    add(thread, who, core::MessageCreated{MessageId{id}, {}, std::move(text), {}});
  }
  wire::Snapshot parse(const std::string& json) {
    auto m = wire::decode_json<wire::Message>(json);
    EXPECT_TRUE(m.has_value());
    return std::get<wire::Snapshot>(*m);
  }
  Inbox inbox_{kMe};
  std::uint64_t seq_ = 0;
};

TEST_F(BaselineViewTest, IsTheChangedConversationOnlyAsTheOwnerSeesIt) {
  add(10, kBob, core::ThreadCreated{"lunch", {kBob, kMe}});
  add(20, kEve, core::ThreadCreated{"other", {kEve, kMe}});
  say(10, kBob, 1, "hi");
  say(20, kEve, 2, "elsewhere");
  say(10, kBob, 3, "noon?");
  add(10, kBob, core::ReadReceipt{kBob, MessageId{3}});
  const auto view = baseline_thread_view(inbox_, kMe, core::Epoch{7}, ThreadId{10});
  ASSERT_TRUE(view.has_value());
  const wire::Snapshot s = parse(*view);
  EXPECT_EQ(s.epoch, core::Epoch{7});
  EXPECT_EQ(s.seq, Seq{6}) << "exact at the inbox's position";
  ASSERT_EQ(s.threads.size(), 1u);
  const auto& t = s.threads[0];
  EXPECT_EQ(t.thread, ThreadId{10});
  EXPECT_EQ(t.name, "lunch");
  EXPECT_EQ(t.participants, (std::vector<UserId>{kBob, kMe}));
  ASSERT_EQ(t.latest_messages.size(), 2u);
  EXPECT_EQ(t.latest_messages[1].text, "noon?");
  EXPECT_EQ(t.unread_count, 2u);
  ASSERT_EQ(t.read_watermarks.size(), 1u);
  EXPECT_EQ(t.read_watermarks[0].reader, kBob);
}

TEST_F(BaselineViewTest, HoldsTheNewestMessagesOfALongConversation) {
  add(10, kBob, core::ThreadCreated{"", {kBob, kMe}});
  for (std::uint64_t i = 1; i <= 30; ++i) say(10, i % 2 ? kBob : kMe, i, "m" + std::to_string(i));
  const auto view = baseline_thread_view(inbox_, kMe, core::Epoch{1}, ThreadId{10});
  ASSERT_TRUE(view.has_value());
  const auto t = parse(*view).threads.at(0);
  ASSERT_EQ(t.latest_messages.size(), kBaselineViewMessages);
  EXPECT_EQ(t.latest_messages.front().text, "m11");
  EXPECT_EQ(t.latest_messages.back().text, "m30");
}

TEST_F(BaselineViewTest, RefusesUnknownThreadsAndFormerParticipants) {
  add(10, kBob, core::ThreadCreated{"", {kBob, kMe}});
  EXPECT_EQ(baseline_thread_view(inbox_, kMe, core::Epoch{1}, ThreadId{99}).error(),
            make_error_code(errc::unknown_thread));
  add(10, kBob, core::ParticipantsChanged{{}, {kMe}});
  EXPECT_EQ(baseline_thread_view(inbox_, kMe, core::Epoch{1}, ThreadId{10}).error(),
            make_error_code(errc::not_participant));
}

TEST(BaselineNotify, NamesTheThreadAndTheActorOnly) {
  EXPECT_EQ(baseline_notify(ThreadId{18446744073709551615ull}, UserId{42}),
            R"({"thread":"18446744073709551615","actor":"42"})");
}

}  // namespace
}  // namespace iris::sync
