#include "sync/message_edits.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "sync/errc.h"

namespace iris::sync {
namespace {

using core::MessageId;
using core::Seq;
using core::ThreadId;
using core::Timestamp;
using core::UserId;
using namespace std::chrono_literals;

const UserId kAnn{1}, kBob{2}, kCat{3};
const ThreadId kThread{7};
const MessageId kMsg{100};

core::Update upd(std::uint64_t seq, UserId actor, core::UpdateBody body, Timestamp t = Timestamp{}) {
  return core::Update{Seq{seq}, t, kThread, actor, std::move(body)};
}

class MessageEditsTest : public ::testing::Test {
 protected:
  MessageEditsTest() {
    ann_.apply(upd(1, kAnn, core::ThreadCreated{"t", {kAnn, kBob, kCat}}));
    ann_.apply(upd(2, kAnn, core::MessageCreated{kMsg, {}, "helo", std::nullopt}, sent_));
  }
  wire::MessageActionRequest action(wire::MessageAction a, std::string text = {}) {
    return wire::MessageActionRequest{core::ClientMsgId{1, 9}, kThread, kMsg, a, std::move(text)};
  }
  std::error_code refusal(const wire::MessageActionRequest& req, UserId who,
                          Timestamp now = Timestamp{} + 1min) {
    auto r = plan_message_action(req, who, ann_, now, limits_);
    return r ? std::error_code{} : r.error();
  }
  Timestamp sent_ = Timestamp{} + 30s;
  Inbox ann_{kAnn};
  RequestLimits limits_;
};

std::set<std::uint64_t> users_of(const store::AppendRequest& r) {
  std::set<std::uint64_t> s;
  for (const auto& e : r.entries) s.insert(e.user.value());
  return s;
}

TEST_F(MessageEditsTest, EditGoesToEveryParticipantWithTheNextEditCount) {
  auto r = plan_message_action(action(wire::MessageAction::edit, "hello"), kAnn, ann_, sent_ + 1min, limits_);
  ASSERT_TRUE(r);
  EXPECT_EQ(users_of(*r), (std::set<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(r->idempotency->client_id, (core::ClientMsgId{1, 9}));
  const auto& e = std::get<core::MessageEdited>(r->entries[0].update.body);
  EXPECT_EQ(e.text, "hello");
  EXPECT_EQ(e.edit_count, 1u);
  ann_.apply(upd(3, kAnn, e));
  r = plan_message_action(action(wire::MessageAction::edit, "hello!"), kAnn, ann_, sent_ + 2min, limits_);
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<core::MessageEdited>(r->entries[0].update.body).edit_count, 2u);
}

TEST_F(MessageEditsTest, OnlyTheSenderEditsOrUnsends) {
  EXPECT_EQ(refusal(action(wire::MessageAction::edit, "x"), kBob), errc::not_allowed);
  EXPECT_EQ(refusal(action(wire::MessageAction::unsend), kBob), errc::not_allowed);
  EXPECT_FALSE(refusal(action(wire::MessageAction::unsend), kAnn));
}

TEST_F(MessageEditsTest, EditAndUnsendAreRefusedPastTheEditWindow) {
  const Timestamp late = sent_ + limits_.edit_window + 1ms;
  EXPECT_EQ(refusal(action(wire::MessageAction::edit, "x"), kAnn, late), errc::too_late);
  EXPECT_EQ(refusal(action(wire::MessageAction::unsend), kAnn, late), errc::too_late);
  EXPECT_FALSE(refusal(action(wire::MessageAction::edit, "x"), kAnn, sent_ + limits_.edit_window));
  // Reactions and deletes for me have no window.
  EXPECT_FALSE(refusal(action(wire::MessageAction::react, "👍"), kBob, late));
  EXPECT_FALSE(refusal(action(wire::MessageAction::delete_for_me), kBob, late));
}

TEST_F(MessageEditsTest, UnsendGoesToEveryoneAndDeleteForMeOnlyToTheRequester) {
  auto unsend = plan_message_action(action(wire::MessageAction::unsend), kAnn, ann_, sent_, limits_);
  ASSERT_TRUE(unsend);
  EXPECT_EQ(users_of(*unsend), (std::set<std::uint64_t>{1, 2, 3}));
  EXPECT_FALSE(std::get<core::MessageDeleted>(unsend->entries[0].update.body).for_me);
  auto hide = plan_message_action(action(wire::MessageAction::delete_for_me), kBob, ann_, sent_, limits_);
  ASSERT_TRUE(hide);
  EXPECT_EQ(users_of(*hide), (std::set<std::uint64_t>{2}));
  EXPECT_TRUE(std::get<core::MessageDeleted>(hide->entries[0].update.body).for_me);
}

TEST_F(MessageEditsTest, UnknownOrGoneMessageIsRefused) {
  auto req = action(wire::MessageAction::react, "a");
  req.message = MessageId{999};
  EXPECT_EQ(refusal(req, kAnn), errc::unknown_message);
  ann_.apply(upd(3, kAnn, core::MessageDeleted{kMsg, false}));
  EXPECT_EQ(refusal(action(wire::MessageAction::edit, "x"), kAnn), errc::unknown_message);
}

TEST_F(MessageEditsTest, NonParticipantAndUnknownThreadAreRefused) {
  EXPECT_EQ(refusal(action(wire::MessageAction::react, "a"), UserId{42}), errc::not_participant);
  auto req = action(wire::MessageAction::react, "a");
  req.thread = ThreadId{8};
  EXPECT_EQ(refusal(req, kAnn), errc::unknown_thread);
}

TEST_F(MessageEditsTest, LimitsAreCheckedBeforeAnythingIsAppended) {
  EXPECT_EQ(refusal(action(wire::MessageAction::edit, ""), kAnn), errc::invalid_request);
  EXPECT_EQ(refusal(action(wire::MessageAction::edit, std::string(limits_.max_body_bytes + 1, 'x')), kAnn),
            errc::too_large);
  EXPECT_EQ(refusal(action(wire::MessageAction::react, std::string(limits_.max_reaction_bytes + 1, 'x')), kBob),
            errc::too_large);
}

TEST_F(MessageEditsTest, ResultNamesTheMessageActedOn) {
  EXPECT_EQ(message_of(core::ReactionChanged{kMsg, "a"}), kMsg);
  EXPECT_EQ(message_of(core::MessageDeleted{kMsg, true}), kMsg);
  EXPECT_EQ(message_of(core::ThreadRenamed{"x"}), std::nullopt);
}

// The badge kept as updates apply equals a recount over the inbox, whatever happens.
TEST(InboxBadge, UnreadCountKeptIncrementallyEqualsARecount) {
  std::mt19937_64 rng(7);
  Inbox inbox(kAnn);
  std::uint64_t seq = 1, next_id = 1;
  for (std::uint64_t t = 1; t <= 3; ++t) {
    inbox.apply(core::Update{Seq{seq++}, {}, ThreadId{t}, kAnn, core::ThreadCreated{"t", {kAnn, kBob}}});
  }
  for (int i = 0; i < 2000; ++i) {
    const ThreadId thread{rng() % 3 + 1};
    const UserId who = rng() % 3 == 0 ? kAnn : kBob;
    core::UpdateBody body;
    switch (rng() % 5) {
      case 0: case 1: body = core::MessageCreated{MessageId{next_id++}, {}, "m", std::nullopt}; break;
      case 2: body = core::MessageDeleted{MessageId{rng() % next_id + 1}, rng() % 2 == 0}; break;
      case 3: body = core::ReadReceipt{rng() % 2 ? kAnn : kBob, MessageId{rng() % next_id + 1}}; break;
      default: body = core::ReactionChanged{MessageId{rng() % next_id + 1}, "r"}; break;
    }
    inbox.apply(core::Update{Seq{seq++}, {}, thread, who, std::move(body)});
    std::uint32_t unread = 0, threads = 0;
    for (const auto& ts : inbox.snapshot(core::Epoch{1}, 0).threads) {
      std::optional<MessageId> mark;
      for (const auto& w : ts.read_watermarks) {
        if (w.reader == kAnn) mark = w.up_to;
      }
      std::uint32_t n = 0;
      for (const auto& m : inbox.messages(ts.thread, std::nullopt, 1'000'000)) {
        n += m.sender != kAnn && (!mark || m.message > *mark);
      }
      ASSERT_EQ(ts.unread_count, n) << "step " << i;
      unread += n;
      threads += n != 0;
    }
    ASSERT_EQ(inbox.unread(), unread) << "step " << i;
    ASSERT_EQ(inbox.unread_threads(), threads) << "step " << i;
  }
}

}  // namespace
}  // namespace iris::sync
