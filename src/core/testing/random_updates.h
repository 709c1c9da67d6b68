#pragma once
// Test support: builders for updates and a seeded generator of random ones, shared by the
// core and store tests (and benchmarks). Not part of the server.

#include <random>
#include <string>

#include "core/update.h"

namespace iris::core::testing {

inline Update message(ThreadId thread, UserId actor, std::string text, Timestamp time = {}) {
  return Update{Seq{0}, time, thread, actor,
                MessageCreated{MessageId{0}, ClientMsgId{}, std::move(text), std::nullopt}};
}

// Every update kind, with random ids, text lengths 0..max_text and participant lists.
class RandomUpdates {
 public:
  explicit RandomUpdates(std::uint64_t seed, std::size_t max_text = 300) : rng_(seed), max_text_(max_text) {}

  Update next(Timestamp time = {}) {
    Update u{Seq{0}, time, ThreadId{small()}, UserId{small()}, body()};
    return u;
  }

  std::mt19937_64& rng() { return rng_; }

 private:
  std::uint64_t small() { return rng_() % 1000 + 1; }
  std::uint64_t any() { return rng_(); }
  std::string text() {
    std::string s(rng_() % (max_text_ + 1), ' ');
    for (auto& c : s) c = static_cast<char>('a' + rng_() % 26);
    return s;
  }
  std::vector<UserId> users() {
    std::vector<UserId> v(rng_() % 5);
    for (auto& u : v) u = UserId{any()};
    return v;
  }
  UpdateBody body() {
    switch (rng_() % kMaxUpdateKind) {
      case 0: {
        std::optional<MessageId> reply;
        if (rng_() % 2) reply = MessageId{any()};
        return MessageCreated{MessageId{any()}, ClientMsgId{any(), any()}, text(), reply};
      }
      case 1: return MessageEdited{MessageId{any()}, text(), static_cast<std::uint32_t>(rng_() % 3)};
      case 2: return MessageDeleted{MessageId{any()}, rng_() % 2 == 0};
      case 3: return ReadReceipt{UserId{any()}, MessageId{any()}};
      case 4: return ThreadCreated{text(), users()};
      case 5: return ParticipantsChanged{users(), users()};
      case 6: return ThreadRenamed{text()};
      case 7: return ReactionChanged{MessageId{any()}, text()};
      case 8: return ContactChanged{UserId{any()}, static_cast<Relation>(rng_() % (kMaxRelation + 1))};
      case 9: return FolderChanged{static_cast<Folder>(rng_() % (kMaxFolder + 1))};
      default: return SettingsChanged{static_cast<GroupAdd>(rng_() % (kMaxGroupAdd + 1))};
    }
  }

  std::mt19937_64 rng_;
  std::size_t max_text_;
};

}  // namespace iris::core::testing
