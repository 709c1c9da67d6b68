#include "core/folding.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

namespace iris::core {
namespace {

// What a device holds, as the simplest possible model: applying every update of a range
// and applying fold(range) must leave it identical.
struct ThreadView {
  std::string name;
  std::set<UserId> participants;
  std::map<MessageId, std::string> messages;
  std::map<UserId, MessageId> receipts;
  std::map<std::pair<MessageId, UserId>, std::string> reactions;
  // Social state, absolute values: under thread 0 (contacts, settings) or the thread (folder).
  std::map<UserId, Relation> relations;
  std::optional<Folder> folder;
  std::optional<GroupAdd> group_add;
  bool operator==(const ThreadView&) const = default;
};
using DeviceState = std::map<ThreadId, ThreadView>;

void apply_update(DeviceState& s, const Update& u) {
  ThreadView& t = s[u.thread];
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, ThreadCreated>) {
          t.name = b.name;
          t.participants = {b.participants.begin(), b.participants.end()};
        } else if constexpr (std::is_same_v<T, ThreadRenamed>) {
          t.name = b.name;
        } else if constexpr (std::is_same_v<T, ParticipantsChanged>) {
          for (auto p : b.added) t.participants.insert(p);
          for (auto p : b.removed) t.participants.erase(p);
        } else if constexpr (std::is_same_v<T, MessageCreated>) {
          t.messages[b.message] = b.text;
        } else if constexpr (std::is_same_v<T, MessageEdited>) {
          if (auto it = t.messages.find(b.message); it != t.messages.end()) it->second = b.text;
        } else if constexpr (std::is_same_v<T, MessageDeleted>) {
          t.messages.erase(b.message);
          std::erase_if(t.reactions, [&](const auto& r) { return r.first.first == b.message; });
        } else if constexpr (std::is_same_v<T, ReactionChanged>) {
          if (!t.messages.count(b.message)) return;
          if (b.reaction.empty()) {
            t.reactions.erase({b.message, u.actor});
          } else {
            t.reactions[{b.message, u.actor}] = b.reaction;
          }
        } else if constexpr (std::is_same_v<T, ContactChanged>) {
          t.relations[b.user] = b.relation;
        } else if constexpr (std::is_same_v<T, FolderChanged>) {
          t.folder = b.folder;
        } else if constexpr (std::is_same_v<T, SettingsChanged>) {
          t.group_add = b.group_add;
        } else {
          t.receipts[b.reader] = b.up_to;
        }
      },
      u.body);
}

Update make(std::uint64_t seq, std::uint64_t thread, UpdateBody body, std::uint64_t actor = 1) {
  return Update{Seq{seq}, Timestamp{}, ThreadId{thread}, UserId{actor}, std::move(body)};
}

TEST(Folding, UnsentHalfOfATenThousandUpdateBacklogSendsNoneOfThem) {
  // The goal: 5,000 messages, half of them unsent later in the same backlog.
  std::vector<Update> range;
  std::uint64_t seq = 1;
  for (std::uint64_t m = 1; m <= 5000; ++m) {
    range.push_back(make(seq++, m % 7 + 1, MessageCreated{MessageId{m}, {}, "m", {}}));
  }
  for (std::uint64_t m = 2; m <= 5000; m += 2) {
    range.push_back(make(seq++, m % 7 + 1, MessageDeleted{MessageId{m}}));
  }
  ASSERT_EQ(range.size(), 7500u);
  for (std::uint64_t m = 1; range.size() < 10'000; m += 2) {
    range.push_back(make(seq++, m % 7 + 1, ReactionChanged{MessageId{m}, "+1"}, 2));
  }
  const auto out = fold_range(range);
  std::uint32_t vanished = 0;
  for (const auto& v : out.vanished) vanished += v.messages;
  EXPECT_EQ(vanished, 2500u);
  std::size_t created = 0;
  for (const auto& u : out.updates) {
    if (const auto* c = std::get_if<MessageCreated>(&u.body)) {
      ++created;
      EXPECT_EQ(c->message.value() % 2, 1u) << "an unsent message was sent";
    }
    EXPECT_FALSE(std::holds_alternative<MessageDeleted>(u.body));
  }
  EXPECT_EQ(created, 2500u);
  EXPECT_EQ(out.updates.size(), 5000u);  // 2,500 creates and their 2,500 reactions
}

TEST(Folding, SocialChangesArriveAsTheLastStatePerKey) {
  const std::vector<Update> range = {
      make(1, 0, ContactChanged{UserId{5}, Relation::contact}),
      make(2, 7, ThreadCreated{"t", {UserId{1}, UserId{5}}}, 5),
      make(3, 7, FolderChanged{Folder::requests}, 5),
      make(4, 0, ContactChanged{UserId{6}, Relation::blocked}),
      make(5, 0, SettingsChanged{GroupAdd::anyone}),
      make(6, 0, ContactChanged{UserId{5}, Relation::blocked}),  // replaces seq 1
      make(7, 7, FolderChanged{Folder::inbox}),                  // replaces seq 3
      make(8, 0, SettingsChanged{GroupAdd::nobody}),             // replaces seq 5
  };
  const auto out = fold(range);
  std::vector<std::uint64_t> seqs;
  for (const auto& u : out) seqs.push_back(u.seq.value());
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{2, 4, 6, 7, 8}));
  DeviceState all, folded;
  for (const auto& u : range) apply_update(all, u);
  for (const auto& u : out) apply_update(folded, u);
  EXPECT_EQ(all, folded);
}

TEST(Folding, EditsFoldedIntoACreationAreCounted) {
  const std::vector<Update> range = {
      make(1, 1, MessageCreated{MessageId{10}, {}, "a", {}}),
      make(2, 1, MessageEdited{MessageId{10}, "b", 1}),
      make(3, 1, MessageEdited{MessageId{10}, "c", 2}),
  };
  const auto out = fold(range);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<MessageCreated>(out[0].body).text, "c");
  EXPECT_EQ(std::get<MessageCreated>(out[0].body).edit_count, 2u);
}

TEST(Folding, LastEditOfAnOlderMessageKeepsTheTotalCount) {
  const std::vector<Update> range = {
      make(1, 1, MessageEdited{MessageId{1}, "x", 4}),
      make(2, 1, MessageEdited{MessageId{1}, "y", 5}),
  };
  const auto out = fold(range);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<MessageEdited>(out[0].body).edit_count, 5u);
}

TEST(Folding, ReactionsArriveAsTheirFinalSet) {
  const std::vector<Update> range = {
      make(1, 1, ReactionChanged{MessageId{1}, "a"}, 2),
      make(2, 1, ReactionChanged{MessageId{1}, "b"}, 3),
      make(3, 1, ReactionChanged{MessageId{1}, "c"}, 2),  // replaces user 2's "a"
      make(4, 1, MessageCreated{MessageId{9}, {}, "new", {}}),
      make(5, 1, ReactionChanged{MessageId{9}, "x"}, 2),
      make(6, 1, ReactionChanged{MessageId{9}, ""}, 2),   // taken back: never seen
      make(7, 1, ReactionChanged{MessageId{1}, ""}, 3),   // taken back: the device had "b"?
  };
  const auto out = fold(range);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].seq, Seq{3});
  EXPECT_EQ(out[1].seq, Seq{4});
  EXPECT_EQ(out[2].seq, Seq{7});  // kept: the device may hold a reaction from before the range
}

TEST(Folding, DeleteForMeOfAMessageBornInTheRangeVanishesToo) {
  const std::vector<Update> range = {
      make(1, 3, MessageCreated{MessageId{10}, {}, "hi", {}}),
      make(2, 3, ReactionChanged{MessageId{10}, "a"}, 2),
      make(3, 3, MessageDeleted{MessageId{10}, true}),
      make(4, 3, MessageDeleted{MessageId{11}, true}),  // an older message: kept
  };
  const auto out = fold_range(range);
  ASSERT_EQ(out.updates.size(), 1u);
  EXPECT_EQ(out.updates[0].seq, Seq{4});
  ASSERT_EQ(out.vanished.size(), 1u);
  EXPECT_EQ(out.vanished[0], (VanishedMessages{ThreadId{3}, 1}));
}

TEST(Folding, CreatedThenDeletedMessageVanishes) {
  const std::vector<Update> range = {
      make(1, 1, MessageCreated{MessageId{10}, {}, "hi", {}}),
      make(2, 1, MessageEdited{MessageId{10}, "hi!"}),
      make(3, 1, MessageCreated{MessageId{11}, {}, "stays", {}}),
      make(4, 1, MessageDeleted{MessageId{10}}),
  };
  const auto out = fold(range);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].seq, Seq{3});
}

TEST(Folding, EditedMessageArrivesWithItsFinalTextAtItsCreationSeq) {
  const std::vector<Update> range = {
      make(5, 1, MessageCreated{MessageId{10}, {}, "draft", {}}),
      make(6, 1, MessageEdited{MessageId{10}, "second"}),
      make(7, 1, MessageEdited{MessageId{10}, "final"}),
  };
  const auto out = fold(range);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].seq, Seq{5});
  EXPECT_EQ(std::get<MessageCreated>(out[0].body).text, "final");
}

TEST(Folding, OlderMessageKeepsOnlyItsLastEditOrItsDeletion) {
  const std::vector<Update> range = {
      make(1, 1, MessageEdited{MessageId{1}, "a"}),
      make(2, 1, MessageEdited{MessageId{1}, "b"}),
      make(3, 1, MessageEdited{MessageId{2}, "x"}),
      make(4, 1, MessageDeleted{MessageId{2}}),
  };
  const auto out = fold(range);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].seq, Seq{2});
  EXPECT_EQ(std::get<MessageEdited>(out[0].body).text, "b");
  EXPECT_EQ(out[1].seq, Seq{4});
  EXPECT_TRUE(std::holds_alternative<MessageDeleted>(out[1].body));
}

TEST(Folding, ReadReceiptsAreWatermarksPerThreadAndReader) {
  const std::vector<Update> range = {
      make(1, 1, ReadReceipt{UserId{2}, MessageId{5}}),
      make(2, 1, ReadReceipt{UserId{3}, MessageId{5}}),
      make(3, 2, ReadReceipt{UserId{2}, MessageId{9}}),
      make(4, 1, ReadReceipt{UserId{2}, MessageId{7}}),
  };
  const auto out = fold(range);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].seq, Seq{2});
  EXPECT_EQ(out[1].seq, Seq{3});
  EXPECT_EQ(out[2].seq, Seq{4});
}

TEST(Folding, NewThreadTakesItsFinalName) {
  const std::vector<Update> range = {
      make(1, 1, ThreadCreated{"one", {UserId{1}, UserId{2}}}),
      make(2, 1, ThreadRenamed{"two"}),
      make(3, 3, ThreadRenamed{"x"}),
      make(4, 3, ThreadRenamed{"y"}),
      make(5, 1, ThreadRenamed{"three"}),
  };
  const auto out = fold(range);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<ThreadCreated>(out[0].body).name, "three");
  EXPECT_EQ(std::get<ThreadRenamed>(out[1].body).name, "y");
}

TEST(Folding, EmptyRangeFoldsToNothing) { EXPECT_TRUE(fold(std::span<const Update>{}).empty()); }

// Random histories: a device that applied a prefix, then the rest either whole or folded,
// ends in the same state; and folding never adds or reorders updates.
class FoldingProperty : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(FoldingProperty, FoldedRangeLeavesTheDeviceInTheSameState) {
  std::mt19937_64 rng(GetParam());
  std::vector<Update> history;
  std::map<std::uint64_t, std::vector<std::uint64_t>> live;  // thread -> message ids
  std::uint64_t next_message = 1;
  for (std::uint64_t seq = 1; seq <= 400; ++seq) {
    const std::uint64_t thread = rng() % 4 + 1;
    auto& msgs = live[thread];
    auto pick = [&] { return msgs[rng() % msgs.size()]; };
    UpdateBody body;
    switch (rng() % 9) {
      case 0: body = ThreadCreated{"t" + std::to_string(rng() % 9), {UserId{rng() % 5}}}; break;
      case 1: body = ThreadRenamed{"r" + std::to_string(rng() % 9)}; break;
      case 2: body = ParticipantsChanged{{UserId{rng() % 5}}, {UserId{rng() % 5}}}; break;
      case 3:
        if (!msgs.empty()) {
          body = MessageEdited{MessageId{pick()}, "e" + std::to_string(rng() % 99)};
          break;
        }
        [[fallthrough]];
      case 4:
        if (!msgs.empty() && rng() % 2) {
          const auto id = pick();
          std::erase(msgs, id);
          body = MessageDeleted{MessageId{id}};
          break;
        }
        [[fallthrough]];
      case 5:
        body = ReadReceipt{UserId{rng() % 3}, MessageId{rng() % 50}};
        break;
      case 6:
        if (!msgs.empty()) {
          const char* kReactions[] = {"", "a", "b"};
          history.push_back(make(seq, thread, ReactionChanged{MessageId{pick()}, kReactions[rng() % 3]},
                                 rng() % 3 + 1));
          continue;
        }
        [[fallthrough]];
      default:
        msgs.push_back(next_message);
        body = MessageCreated{MessageId{next_message++}, {}, "m" + std::to_string(rng() % 99), {}};
    }
    history.push_back(make(seq, thread, std::move(body)));
  }
  for (int trial = 0; trial < 20; ++trial) {
    const std::size_t cut = rng() % history.size();
    DeviceState whole, folded;
    for (std::size_t i = 0; i < cut; ++i) {
      apply_update(whole, history[i]);
      apply_update(folded, history[i]);
    }
    const std::span<const Update> range(history.data() + cut, history.size() - cut);
    for (const auto& u : range) apply_update(whole, u);
    const auto out = fold(range);
    for (std::size_t i = 1; i < out.size(); ++i) ASSERT_LT(out[i - 1].seq, out[i].seq);
    ASSERT_LE(out.size(), range.size());
    for (const auto& u : out) apply_update(folded, u);
    ASSERT_EQ(folded, whole) << "cut at " << cut;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, FoldingProperty, ::testing::Range<std::uint64_t>(1, 31));

}  // namespace
}  // namespace iris::core
