// The per-message fold rules of core/thread_fold.h, which the queue's snapshot (apply_to_thread)
// and the SQL history stores (store/detail/history_rules.h) both call.
#include "core/thread_fold.h"

#include <gtest/gtest.h>

#include <map>

namespace iris::core {
namespace {

TEST(ThreadFold, AnEditCountsOneMoreUnlessItCarriesAHigherCount) {
  EXPECT_EQ(count_after_edit(0, MessageEdited{MessageId{1}, "a", 0}), 1u) << "an uncounted (old) edit";
  EXPECT_EQ(count_after_edit(1, MessageEdited{MessageId{1}, "b", 2}), 2u);
  EXPECT_EQ(count_after_edit(0, MessageEdited{MessageId{1}, "c", 5}), 5u) << "edits this view missed still count";
  EXPECT_EQ(count_after_edit(7, MessageEdited{MessageId{1}, "d", 3}), 8u) << "a count never goes back";
}

TEST(ThreadFold, AReactionReplacesTheActorsOneKeepsUserOrderAndAnEmptyOneRemovesIt) {
  std::vector<Reaction> rs;
  apply_reaction(rs, UserId{5}, ReactionChanged{MessageId{1}, "👍"});
  apply_reaction(rs, UserId{2}, ReactionChanged{MessageId{1}, "😂"});
  apply_reaction(rs, UserId{9}, ReactionChanged{MessageId{1}, "❤"});
  EXPECT_EQ(rs, (std::vector<Reaction>{{UserId{2}, "😂"}, {UserId{5}, "👍"}, {UserId{9}, "❤"}}));
  apply_reaction(rs, UserId{5}, ReactionChanged{MessageId{1}, "🎉"});
  apply_reaction(rs, UserId{2}, ReactionChanged{MessageId{1}, ""});
  apply_reaction(rs, UserId{3}, ReactionChanged{MessageId{1}, ""});  // nothing to take back
  EXPECT_EQ(rs, (std::vector<Reaction>{{UserId{5}, "🎉"}, {UserId{9}, "❤"}}));
}

TEST(ThreadFold, StrippingAnUnsentMessageDropsTextAndAttachmentsOnly) {
  Attachment a;
  a.content_type = "image/png";
  a.size = 3;
  UpdateBody created = MessageCreated{MessageId{1}, ClientMsgId{1, 2}, "secret", MessageId{0}, 0, {a}};
  strip_unsent(created);
  EXPECT_EQ(std::get<MessageCreated>(created), (MessageCreated{MessageId{1}, ClientMsgId{1, 2}, "", MessageId{0}}));
  UpdateBody edited = MessageEdited{MessageId{1}, "secret!", 2};
  strip_unsent(edited);
  EXPECT_EQ(std::get<MessageEdited>(edited), (MessageEdited{MessageId{1}, "", 2}));
  UpdateBody reaction = ReactionChanged{MessageId{1}, "👍"};
  strip_unsent(reaction);
  EXPECT_EQ(std::get<ReactionChanged>(reaction).reaction, "👍");
}

// The snapshot fold over a thread, for the rules above in context.
struct Message {
  std::string text;
  std::uint32_t edit_count = 0;
  std::vector<Reaction> reactions;
};
struct Thread {
  std::string name;
  std::vector<UserId> participants;
  std::map<MessageId, Message> messages;
  std::map<UserId, MessageId> watermarks;
};

TEST(ThreadFold, ApplyToThreadFoldsEditsAndReactionsWithThePerMessageRules) {
  Thread t;
  auto make = [](const MessageCreated& c, const Update&) { return Message{c.text, c.edit_count, {}}; };
  auto at = [](std::uint64_t seq, UserId actor, UpdateBody b) {
    return Update{Seq{seq}, Timestamp{}, ThreadId{1}, actor, std::move(b)};
  };
  apply_to_thread(t, at(1, UserId{1}, MessageCreated{MessageId{7}, ClientMsgId{}, "helo", std::nullopt}), make);
  apply_to_thread(t, at(2, UserId{1}, MessageEdited{MessageId{7}, "hello", 1}), make);
  apply_to_thread(t, at(3, UserId{1}, MessageEdited{MessageId{7}, "hello!", 0}), make);
  apply_to_thread(t, at(4, UserId{2}, ReactionChanged{MessageId{7}, "👍"}), make);
  const Message& m = t.messages.at(MessageId{7});
  EXPECT_EQ(m.text, "hello!");
  EXPECT_EQ(m.edit_count, 2u);
  EXPECT_EQ(m.reactions, (std::vector<Reaction>{{UserId{2}, "👍"}}));
}

}  // namespace
}  // namespace iris::core
