// Property tests: random operation sequences against UserQueue, checking its invariants
// after every step and its answers against a trivially correct reference (every update ever
// appended, plus how many were trimmed).
#include <gtest/gtest.h>

#include <map>

#include "core/errc.h"
#include "core/testing/random_updates.h"
#include "core/user_queue.h"

namespace iris::core {
namespace {

using std::chrono::hours;

struct Reference {
  std::vector<Update> all;  // all[i] has seq i + 1
  std::uint64_t trimmed = 0;
  std::map<CursorName, Seq> cursors;
};

void check_invariants(const UserQueue& q, const Reference& ref) {
  ASSERT_EQ(q.head(), Seq{ref.all.size()});
  ASSERT_EQ(q.first_retained(), Seq{ref.trimmed + 1});
  ASSERT_LE(q.first_retained().value(), q.head().value() + 1);
  for (const auto& [name, pos] : q.cursors().all()) {
    ASSERT_LE(pos, q.head());
    ASSERT_EQ(pos, ref.cursors.at(name)) << name.str();
  }
  const auto storage = q.cursors().position(CursorName::storage());
  if (ref.trimmed > 0) {
    ASSERT_TRUE(storage && storage->value() >= ref.trimmed);
  }
}

class UserQueueProperty : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(UserQueueProperty, RandomOperationsKeepEveryInvariant) {
  testing::RandomUpdates gen(GetParam(), 20);
  auto& rng = gen.rng();
  const QueueLimits limits{.max_length = 50};
  UserQueue q(UserId{7}, Epoch{GetParam()}, limits);
  Reference ref;
  const std::vector<CursorName> names = {CursorName::storage(),
                                         CursorName::device(DeviceId{"a"}),
                                         CursorName::device(DeviceId{"b"})};
  int hour = 0;
  const RetentionPolicy policy{hours(24)};

  for (int step = 0; step < 3000; ++step) {
    hour += static_cast<int>(rng() % 3);
    const Timestamp now{hours(hour)};
    switch (rng() % 6) {
      case 0:
      case 1: {  // append
        const bool full = ref.all.size() - ref.trimmed >= limits.max_length;
        auto r = q.append(gen.next(now));
        if (full) {
          ASSERT_EQ(r.error(), errc::queue_full);
        } else {
          ASSERT_EQ(r, Seq{ref.all.size() + 1});
          ref.all.push_back(*q.read(*r, 1).value().begin());
        }
        break;
      }
      case 2: {  // advance a cursor anywhere, even past head
        const auto& name = names[rng() % names.size()];
        const Seq to{rng() % (ref.all.size() + 3)};
        auto r = q.advance_cursor(name, to);
        if (to.value() > ref.all.size()) {
          ASSERT_EQ(r.error(), errc::cursor_beyond_head);
        } else {
          auto& pos = ref.cursors.try_emplace(name, to).first->second;
          pos = std::max(pos, to);
          ASSERT_EQ(r, pos);
        }
        break;
      }
      case 3: {  // retention trim
        const auto storage = q.cursors().position(CursorName::storage());
        std::uint64_t expect = ref.trimmed;
        while (expect < ref.all.size() &&
               may_trim(ref.all[expect].seq, ref.all[expect].time, storage, now, policy)) {
          ++expect;
        }
        ASSERT_EQ(q.trim(now, policy), expect - ref.trimmed);
        ref.trimmed = expect;
        break;
      }
      case 4: {  // explicit trim, possibly refused
        const Seq to{ref.trimmed + rng() % 5};
        auto r = q.trim_to(to);
        const auto storage = q.cursors().position(CursorName::storage());
        if (!storage || *storage < to) {
          ASSERT_EQ(r.error(), errc::trim_past_storage_cursor);
        } else {
          ASSERT_TRUE(r);
          ref.trimmed = std::max(ref.trimmed, to.value());
        }
        break;
      }
      default: {  // read a random range and compare with the reference
        const Seq from{rng() % (ref.all.size() + 2) + 1};
        const std::size_t max = rng() % 10;
        auto r = q.read(from, max);
        if (from.value() <= ref.trimmed) {
          ASSERT_EQ(r.error(), errc::trimmed);
          break;
        }
        ASSERT_TRUE(r);
        const std::size_t avail = from.value() > ref.all.size() ? 0 : ref.all.size() - from.value() + 1;
        ASSERT_EQ(r->size(), std::min(max, avail));
        for (std::size_t i = 0; i < r->size(); ++i) {
          ASSERT_EQ((*r)[i], ref.all[from.value() - 1 + i]);
        }
      }
    }
    check_invariants(q, ref);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, UserQueueProperty, ::testing::Range<std::uint64_t>(1, 21));

}  // namespace
}  // namespace iris::core
