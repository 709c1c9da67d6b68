#include "sync/delta_batcher.h"

#include <gtest/gtest.h>

#include "core/folding.h"
#include "core/testing/random_updates.h"

namespace iris::sync {
namespace {

using core::Seq;

std::vector<core::Update> run(std::uint64_t first, std::uint64_t last, std::size_t text = 10) {
  std::vector<core::Update> v;
  for (auto s = first; s <= last; ++s) {
    v.push_back(core::testing::message(core::ThreadId{1}, core::UserId{1}, std::string(text, 'x')));
    v.back().seq = Seq{s};
  }
  return v;
}

void expect_contiguous(const std::vector<wire::DeltaBatch>& batches, Seq first, Seq last) {
  ASSERT_FALSE(batches.empty());
  EXPECT_EQ(batches.front().first_seq, first);
  EXPECT_EQ(batches.back().last_seq, last);
  for (std::size_t i = 1; i < batches.size(); ++i) {
    EXPECT_EQ(batches[i].first_seq, core::next(batches[i - 1].last_seq));
  }
  for (const auto& b : batches) {
    EXPECT_LE(b.first_seq, b.last_seq);
    for (const auto& u : b.updates) {
      EXPECT_GE(u.seq, b.first_seq);
      EXPECT_LE(u.seq, b.last_seq);
    }
  }
}

TEST(DeltaBatcher, CutsAtMaxUpdatesAndCoversTheRange) {
  auto batches = make_batches(core::Epoch{1}, Seq{11}, Seq{20}, run(11, 20), false, {.max_updates = 4});
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].updates.size(), 4u);
  EXPECT_EQ(batches[2].updates.size(), 2u);
  expect_contiguous(batches, Seq{11}, Seq{20});
}

TEST(DeltaBatcher, CutsAtTheByteCapButSendsAnOversizeUpdateAlone) {
  auto batches = make_batches(core::Epoch{1}, Seq{1}, Seq{3}, run(1, 3, 1000), false,
                              {.max_updates = 100, .max_bytes = 1500});
  ASSERT_EQ(batches.size(), 3u);
  expect_contiguous(batches, Seq{1}, Seq{3});
  auto big = make_batches(core::Epoch{1}, Seq{1}, Seq{1}, run(1, 1, 5000), false, {.max_bytes = 100});
  ASSERT_EQ(big.size(), 1u);
  EXPECT_EQ(big[0].updates.size(), 1u);
}

TEST(DeltaBatcher, FoldedRangeStillCoversEverySeq) {
  std::vector<core::Update> range = run(5, 9);
  // 5 created, 9 deletes it: both fold away, the batch still names 5..9.
  std::get<core::MessageCreated>(range[0].body).message = core::MessageId{42};
  range[4].body = core::MessageDeleted{core::MessageId{42}};
  auto folded = core::fold(range);
  ASSERT_EQ(folded.size(), 3u);
  auto batches = make_batches(core::Epoch{1}, Seq{5}, Seq{9}, folded, true, {.max_updates = 2});
  expect_contiguous(batches, Seq{5}, Seq{9});
  EXPECT_TRUE(batches.back().folded);
  auto empty = make_batches(core::Epoch{1}, Seq{5}, Seq{9}, {}, true, {});
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_TRUE(empty[0].updates.empty());
  expect_contiguous(empty, Seq{5}, Seq{9});
}

TEST(DeltaBatcher, ReactionsAreLeftOutForPeersOlderThanVersion5) {
  std::vector<core::Update> ups = {
      core::Update{Seq{1}, {}, core::ThreadId{1}, core::UserId{2}, core::ReactionChanged{core::MessageId{3}, "a"}},
      core::Update{Seq{2}, {}, core::ThreadId{1}, core::UserId{2}, core::MessageDeleted{core::MessageId{3}, true}},
  };
  auto v5 = ups;
  EXPECT_FALSE(drop_kinds_newer_than(v5, 5));
  EXPECT_EQ(v5.size(), 2u);
  EXPECT_TRUE(drop_kinds_newer_than(ups, 4));
  ASSERT_EQ(ups.size(), 1u);
  EXPECT_EQ(ups[0].seq, Seq{2}) << "a delete for me reads as a deletion to an older device: kept";
}

}  // namespace
}  // namespace iris::sync
