#pragma once
// Random histories over a few threads and message ids (some above 2^63) with every kind of
// update, applied to a backend and to the in-memory model: the backend must materialize
// exactly what the model does. Used by every backend's tests.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "store/history_store.h"
#include "store/memory/memory_history_store.h"

namespace iris::store::testing {

inline void expect_agrees_with_the_model_on_random_histories(HistoryStore& sql, int rounds = 40) {
  using core::Epoch;
  using core::MessageId;
  using core::Seq;
  using core::ThreadId;
  using core::Update;
  using core::UserId;
  auto model = make_memory_history_store();
  std::mt19937_64 rng(42);
  auto pick = [&](std::uint64_t n) { return rng() % n; };
  auto id = [&] { return pick(2) ? pick(20) + 1 : (1ull << 63) + pick(20); };
  auto user = [&] { return UserId{pick(4) + 1}; };
  auto users = [&] {
    std::vector<UserId> v(pick(3));
    for (auto& u : v) u = user();
    return v;
  };
  std::map<UserId, Seq> heads;
  for (int round = 0; round < rounds; ++round) {
    std::vector<HistoryBatch> batches;
    for (std::uint64_t owner = 1; owner <= 3; ++owner) {
      HistoryBatch b{UserId{owner}, Epoch{owner}, {}};
      for (int i = pick(20); i > 0; --i) {
        Seq& head = heads[b.user];
        head = core::next(head);
        core::UpdateBody body;
        switch (pick(7)) {
          case 0: body = core::ThreadCreated{"t" + std::to_string(pick(9)), users()}; break;
          case 1: body = core::ParticipantsChanged{users(), users()}; break;
          case 2: body = core::ThreadRenamed{"r" + std::to_string(pick(9))}; break;
          case 3: body = core::MessageEdited{MessageId{id()}, "e" + std::to_string(pick(9))}; break;
          case 4: body = core::MessageDeleted{MessageId{id()}}; break;
          case 5: body = core::ReadReceipt{user(), MessageId{id()}}; break;
          default:
            std::optional<MessageId> reply;
            if (pick(2)) reply = MessageId{id()};
            body = core::MessageCreated{MessageId{id()}, core::ClientMsgId{}, "m" + std::to_string(pick(9)), reply};
        }
        b.updates.push_back(Update{head, core::Timestamp{std::chrono::milliseconds{pick(1000)}},
                                   ThreadId{pick(3) + 1}, user(), std::move(body)});
      }
      batches.push_back(std::move(b));
    }
    ASSERT_TRUE(sql.apply(batches));
    ASSERT_TRUE(model->apply(batches));
    for (std::uint64_t owner = 1; owner <= 3; ++owner) {
      const UserId u{owner};
      ASSERT_EQ(sql.inbox(u, 5).value(), model->inbox(u, 5).value()) << "round " << round;
      ASSERT_EQ(sql.updates(u, Seq{1}, 10000).value(), model->updates(u, Seq{1}, 10000).value());
      for (std::uint64_t t = 1; t <= 3; ++t) {
        const MessageId before{id()};
        ASSERT_EQ(sql.messages(u, ThreadId{t}, before, 4).value(),
                  model->messages(u, ThreadId{t}, before, 4).value());
      }
    }
  }
}

}  // namespace iris::store::testing
