#pragma once
// The randomized check every durable QueueStore backend passes: random appends (several
// users per request, some with idempotency keys), cursor moves, trims and reads, applied to
// the backend and to the in-memory model, must give the same answers; and after the backend
// is closed and opened again, the same queues, cursors and updates.
#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <variant>

#include "core/testing/random_updates.h"
#include "store/memory/memory_queue_store.h"
#include "store/queue_store.h"

namespace iris::store::testing {

// `open` opens the backend's store on the same data each time it is called.
inline void expect_agrees_with_model(const std::function<std::unique_ptr<QueueStore>(const StoreOptions&)>& open,
                                     int steps = 3000) {
  const StoreOptions opts{.max_queue_length = 40};
  auto db = open(opts);
  ASSERT_TRUE(db);
  auto model = make_memory_queue_store(opts);
  core::testing::RandomUpdates gen(99, 40);
  auto& rng = gen.rng();
  const std::vector<UserId> users = {UserId{1}, UserId{2}, UserId{3}};
  const std::vector<core::CursorName> names = {core::CursorName::storage(),
                                               core::CursorName::device(core::DeviceId{"d"})};
  std::vector<std::pair<core::IdempotencyKey, AppendResult>> keys;
  for (int step = 0; step < steps; ++step) {
    const UserId user = users[rng() % users.size()];
    switch (rng() % 5) {
      case 0:
      case 1: {
        AppendRequest r;
        const auto n = 1 + rng() % 3;
        for (std::uint64_t i = 0; i < n; ++i) r.entries.push_back({users[rng() % users.size()], gen.next()});
        if (rng() % 3 == 0) r.idempotency = core::IdempotencyKey{user, core::ClientMsgId{0, rng() % 50}};
        auto a = db->append(r);
        auto b = model->append(r);
        ASSERT_EQ(a.has_value(), b.has_value()) << step;
        if (a) {
          ASSERT_EQ(*a, *b) << step;
        } else {
          ASSERT_EQ(a.error(), b.error());
        }
        break;
      }
      case 2: {
        const auto& name = names[rng() % names.size()];
        const Seq to{rng() % (model->info(user)->head.value() + 2)};
        auto a = db->advance_cursor(user, name, to);
        auto b = model->advance_cursor(user, name, to);
        ASSERT_EQ(a.has_value(), b.has_value()) << step;
        if (a) {
          ASSERT_EQ(*a, *b);
        }
        break;
      }
      case 3: {
        const Seq to{model->info(user)->first_retained.value() + rng() % 4};
        auto a = db->trim_to(user, to);
        auto b = model->trim_to(user, to);
        ASSERT_EQ(a.has_value(), b.has_value()) << step;
        if (a) {
          ASSERT_EQ(*a, *b);
        }
        break;
      }
      default: {
        const Seq from{1 + rng() % (model->info(user)->head.value() + 2)};
        auto a = db->read(user, from, rng() % 8);
        auto b = model->read(user, from, rng() % 8 + 100);
        ASSERT_EQ(a.has_value(), b.has_value()) << step;
        if (a) {
          ASSERT_LE(a->size(), b->size());
          for (std::size_t i = 0; i < a->size(); ++i) ASSERT_EQ((*a)[i], (*b)[i]);
        }
      }
    }
  }
  db.reset();
  db = open(opts);
  ASSERT_TRUE(db);
  for (auto user : users) {
    const auto a = db->info(user).value();
    const auto b = model->info(user).value();
    ASSERT_EQ(a.first_retained, b.first_retained);
    ASSERT_EQ(a.head, b.head);
    ASSERT_EQ(db->read(user, a.first_retained, 1000).value(), model->read(user, b.first_retained, 1000).value());
    for (const auto& n : names) ASSERT_EQ(db->cursor(user, n).value(), model->cursor(user, n).value());
  }
}

// The same operations submitted all at once, without waiting (so the commit thread groups
// many into one commit: appends to one queue, duplicate keys, a cursor move and a trim of
// what the same group appended), must complete with exactly the answers the model gives
// when it applies them one by one in submission order.
inline void expect_groups_agree_with_model(const std::function<std::unique_ptr<QueueStore>(const StoreOptions&)>& open,
                                           int ops = 3000) {
  const StoreOptions opts{.max_queue_length = 60};
  auto db = open(opts);
  ASSERT_TRUE(db);
  auto model = make_memory_queue_store(opts);
  core::testing::RandomUpdates gen(7, 40);
  auto& rng = gen.rng();
  const std::vector<UserId> users = {UserId{1}, UserId{2}, UserId{3}};
  const std::vector<core::CursorName> names = {core::CursorName::storage(),
                                               core::CursorName::device(core::DeviceId{"d"})};
  using Answer = std::variant<Result<AppendResult>, Result<Seq>, Result<std::size_t>>;
  std::vector<Answer> expected, got(static_cast<std::size_t>(ops));
  std::mutex mu;
  int left = ops;
  std::promise<void> all_done;
  const auto done = [&](std::size_t i, Answer a) {
    std::lock_guard lock(mu);
    got[i] = std::move(a);
    if (--left == 0) all_done.set_value();
  };
  for (int step = 0; step < ops; ++step) {
    const auto i = static_cast<std::size_t>(step);
    const UserId user = users[rng() % users.size()];
    switch (rng() % 4) {
      case 0:
      case 1: {
        AppendRequest r;
        const auto n = 1 + rng() % 3;
        for (std::uint64_t k = 0; k < n; ++k) r.entries.push_back({users[rng() % users.size()], gen.next()});
        if (rng() % 3 == 0) r.idempotency = core::IdempotencyKey{user, core::ClientMsgId{1, rng() % 50}};
        expected.emplace_back(model->append(r));
        db->async_append(std::move(r), [&, i](Result<AppendResult> a) { done(i, std::move(a)); });
        break;
      }
      case 2: {
        const auto& name = names[rng() % names.size()];
        const Seq to{rng() % (model->info(user)->head.value() + 2)};
        expected.emplace_back(model->advance_cursor(user, name, to));
        db->async_advance_cursor(user, name, to, [&, i](Result<Seq> a) { done(i, std::move(a)); });
        break;
      }
      default: {
        const Seq to{model->info(user)->first_retained.value() + rng() % 4};
        expected.emplace_back(model->trim_to(user, to));
        db->async_trim_to(user, to, [&, i](Result<std::size_t> a) { done(i, std::move(a)); });
      }
    }
  }
  ASSERT_EQ(all_done.get_future().wait_for(std::chrono::seconds(120)), std::future_status::ready);
  for (std::size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(got[i], expected[i]) << "operation " << i;
  for (auto user : users) {
    const auto a = db->info(user).value();
    const auto b = model->info(user).value();
    ASSERT_EQ(a.first_retained, b.first_retained);
    ASSERT_EQ(a.head, b.head);
    ASSERT_EQ(db->read(user, a.first_retained, 1000).value(), model->read(user, b.first_retained, 1000).value());
  }
}

}  // namespace iris::store::testing
