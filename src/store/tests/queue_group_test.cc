// The queue stores' shared group rules (detail/queue_group.h) through a fake QueueTables:
// what one group decides and writes, without a backend.
#include "store/detail/queue_group.h"

#include <gtest/gtest.h>

#include <map>

#include "core/errc.h"
#include "core/testing/random_updates.h"
#include "store/errc.h"

namespace iris::store::detail {
namespace {

using core::testing::message;

// Committed state in maps; writes recorded as text, in call order.
class FakeTables final : public QueueTables {
 public:
  std::map<std::uint64_t, Meta> committed;
  std::map<std::pair<std::uint64_t, std::string>, Seq> committed_cursors;
  std::vector<std::string> writes;

  Result<Meta> meta(UserId user) override {
    auto it = committed.find(user.value());
    return it == committed.end() ? Meta{} : it->second;
  }
  Result<std::optional<Seq>> cursor(UserId user, const CursorName& name) override {
    auto it = committed_cursors.find({user.value(), name.str()});
    if (it == committed_cursors.end()) return std::optional<Seq>{};
    return std::optional<Seq>{it->second};
  }
  Result<std::optional<IdempotencyRecord>> record(const IdempotencyKey&) override {
    return std::optional<IdempotencyRecord>{};
  }
  Result<SenderShares::Counts> count_actors(UserId, Seq) override { return SenderShares::Counts{}; }
  void put_update(UserId user, Seq seq, UserId, std::string_view) override {
    writes.push_back("update " + std::to_string(user.value()) + "/" + std::to_string(seq.value()));
  }
  void delete_updates(UserId user, Seq first, Seq last) override {
    writes.push_back("delete " + std::to_string(user.value()) + "/" + std::to_string(first.value()) +
                     ".." + std::to_string(last.value()));
  }
  void put_meta(UserId user, const Meta& m) override {
    writes.push_back("meta " + std::to_string(user.value()) + " head " + std::to_string(m.head.value()));
  }
  void put_cursor(UserId user, const CursorName& name, Seq seq) override {
    writes.push_back("cursor " + std::to_string(user.value()) + " " + name.str() + " " +
                     std::to_string(seq.value()));
  }
  void put_record(const IdempotencyKey& key, std::string_view) override {
    writes.push_back("record " + std::to_string(key.sender.value()));
  }
};

struct Fixture {
  FakeTables tables;
  SenderShares shares{0};
  std::mt19937_64 rng{1};
  QueueGroup group{QueueRules{3, 8}, shares, rng, tables};
};

AppendRequest to(std::initializer_list<std::uint64_t> users, std::optional<IdempotencyKey> key = {}) {
  AppendRequest r;
  for (auto u : users) r.entries.push_back({UserId{u}, message(core::ThreadId{1}, UserId{1}, "x")});
  r.idempotency = key;
  return r;
}

TEST(QueueGroup, AssignsSeqsAfterTheCommittedHeadAndWritesEachMetaOnce) {
  Fixture f;
  f.tables.committed[1] = Meta{core::Epoch{5}, Seq{1}, Seq{1}};
  std::vector<AppendResult> results;
  for (int i = 0; i < 2; ++i) {
    QueueOp op = AppendOp{to({1, 2}), [&](Result<AppendResult> r) { results.push_back(r.value()); }};
    f.group.apply(op);
  }
  f.group.finish();
  f.group.complete({});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].positions[0].seq, Seq{3});
  EXPECT_EQ(results[1].positions[1].seq, Seq{2}) << "a new queue starts at 1";
  EXPECT_EQ(f.group.metas().at(UserId{1}).epoch, core::Epoch{5}) << "the committed epoch stays";
  EXPECT_NE(f.group.metas().at(UserId{2}).epoch.value(), 0u) << "a new queue gets an epoch";
  EXPECT_EQ(std::count_if(f.tables.writes.begin(), f.tables.writes.end(),
                          [](const std::string& w) { return w.starts_with("meta "); }),
            2);
}

TEST(QueueGroup, RefusesARequestOverOneQueuesLimitWithoutWritingAnyOfIt) {
  Fixture f;
  f.tables.committed[2] = Meta{core::Epoch{5}, Seq{1}, Seq{3}};  // full: max_queue_length 3
  std::optional<std::error_code> error;
  QueueOp op = AppendOp{to({1, 2}), [&](Result<AppendResult> r) { error = r.error(); }};
  f.group.apply(op);
  f.group.finish();
  f.group.complete({});
  EXPECT_EQ(error, make_error_code(core::errc::queue_full));
  EXPECT_FALSE(f.group.has_writes());
}

TEST(QueueGroup, ARetryInTheSameGroupAppendsNothingAndFailsWithTheCommit) {
  Fixture f;
  const IdempotencyKey key{UserId{1}, core::ClientMsgId{1, 2}};
  std::vector<Result<AppendResult>> results;
  for (int i = 0; i < 2; ++i) {
    QueueOp op = AppendOp{to({1}, key), [&](Result<AppendResult> r) { results.push_back(r); }};
    f.group.apply(op);
  }
  f.group.finish();
  EXPECT_EQ(f.tables.writes, (std::vector<std::string>{"update 1/1", "record 1", "meta 1 head 1"}));
  f.group.complete(make_error_code(errc::unavailable));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(results[0]) << "nothing is acknowledged that did not commit";
  EXPECT_FALSE(results[1]) << "not even the duplicate of it";
}

TEST(QueueGroup, ATrimAfterACursorMoveInTheSameGroupSeesTheMove) {
  Fixture f;
  f.tables.committed[1] = Meta{core::Epoch{5}, Seq{1}, Seq{3}};
  std::vector<std::string> answers;
  QueueOp cursor = CursorOp{UserId{1}, CursorName::storage(), Seq{2},
                            [&](Result<Seq> r) { answers.push_back("cursor " + std::to_string(r.value().value())); }};
  QueueOp trim = TrimOp{UserId{1}, Seq{2},
                        [&](Result<std::size_t> r) { answers.push_back("trim " + std::to_string(r.value())); }};
  f.group.apply(cursor);
  f.group.apply(trim);
  f.group.finish();
  f.group.complete({});
  EXPECT_EQ(answers, (std::vector<std::string>{"cursor 2", "trim 2"}));
  EXPECT_EQ(f.tables.writes,
            (std::vector<std::string>{"delete 1/1..2", "meta 1 head 3", "cursor 1 storage 2"}));
}

TEST(QueueGroup, RefusesACursorNameLongerThanTheBackendStores) {
  Fixture f;
  f.tables.committed[1] = Meta{core::Epoch{5}, Seq{1}, Seq{3}};
  std::optional<std::error_code> error;
  QueueOp op = CursorOp{UserId{1}, CursorName::device(core::DeviceId{"a-long-device"}), Seq{1},
                        [&](Result<Seq> r) { error = r.error(); }};
  f.group.apply(op);
  f.group.complete({});
  EXPECT_EQ(error, make_error_code(errc::invalid_request));
}

}  // namespace
}  // namespace iris::store::detail
