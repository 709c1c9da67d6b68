#include "dbpair/failover_policy.h"

#include <gtest/gtest.h>

#include <vector>

namespace iris::dbpair {
namespace {

using namespace std::chrono_literals;
using Clock = FailoverPolicy::Clock;

Observation primary(std::string_view binlog, std::uint64_t no_tx = 0, bool on = true) {
  Observation o;
  o.read_only = false;
  o.binlog_pos = GtidPos::parse(binlog).value();
  o.semisync_enabled = true;
  o.semisync_on = on;
  o.semisync_no_tx = no_tx;
  return o;
}

Observation replica(std::string_view received, std::string_view io = "Yes") {
  Observation o;
  o.read_only = true;
  o.replicating = true;
  o.io_running = std::string(io);
  o.sql_running = true;
  o.io_pos = GtidPos::parse(received).value();
  o.slave_pos = o.io_pos;
  return o;
}

using Seen = std::vector<std::optional<Observation>>;

class FailoverPolicyTest : public ::testing::Test {
 protected:
  Decision step(Seen seen) { return policy.step(now, seen); }
  FailoverPolicy policy{PolicyOptions{.down_after = 1000ms}};
  Clock::time_point now{};
};

TEST_F(FailoverPolicyTest, PromotesTheReplicaOnlyAfterThePrimaryIsDownForDownAfter) {
  step({primary("0-1-5"), replica("0-1-5")});
  EXPECT_EQ(policy.primary(), 0u);
  EXPECT_EQ(step({std::nullopt, replica("0-1-5", "Connecting")}), Decision{});
  EXPECT_TRUE(policy.events().primary_lost);
  now += 999ms;
  EXPECT_EQ(step({std::nullopt, replica("0-1-5", "Connecting")}), Decision{});
  now += 1ms;
  EXPECT_EQ(step({std::nullopt, replica("0-1-5", "Connecting")}),
            (Decision{Action::promote, 1, false}));
  policy.promoted(1);
  EXPECT_EQ(policy.primary(), 1u);
}

TEST_F(FailoverPolicyTest, APrimaryBackWithinDownAfterResetsTheClock) {
  step({primary("0-1-5"), replica("0-1-5")});
  step({std::nullopt, replica("0-1-5", "Connecting")});
  now += 900ms;
  step({primary("0-1-6"), replica("0-1-6")});
  now += 900ms;
  EXPECT_EQ(step({std::nullopt, replica("0-1-6", "Connecting")}), Decision{});
}

TEST_F(FailoverPolicyTest, NoFailoverWhileTheReplicaStillReceivesFromThePrimary) {
  step({primary("0-1-5"), replica("0-1-5")});
  step({std::nullopt, replica("0-1-5", "Yes")});
  now += 5s;
  EXPECT_EQ(step({std::nullopt, replica("0-1-5", "Yes")}), Decision{});
  EXPECT_TRUE(policy.events().replica_sees_primary);
}

TEST_F(FailoverPolicyTest, NoFailoverWithoutAReachableReplica) {
  step({primary("0-1-5"), replica("0-1-5")});
  step({std::nullopt, std::nullopt});
  now += 5s;
  EXPECT_EQ(step({std::nullopt, std::nullopt}), Decision{});
  EXPECT_TRUE(policy.events().no_candidate);
}

TEST_F(FailoverPolicyTest, BeforeAnyCleanRoundAFailoverBumpsTheGeneration) {
  // The monitor started with the primary already gone: nothing proves the replica is complete.
  step({primary("0-1-5", 0), std::nullopt});
  step({std::nullopt, replica("0-1-4", "Connecting")});
  now += 1s;
  EXPECT_EQ(step({std::nullopt, replica("0-1-4", "Connecting")}),
            (Decision{Action::promote, 1, true}));
}

TEST_F(FailoverPolicyTest, SemiSyncFallbackMakesTheNextFailoverBumpTheGeneration) {
  step({primary("0-1-5"), replica("0-1-5")});
  EXPECT_FALSE(policy.replica_may_lag());
  // A commit acknowledged without the replica's ack.
  step({primary("0-1-6", 1), replica("0-1-5")});
  EXPECT_TRUE(policy.events().semisync_fell_back);
  EXPECT_TRUE(policy.replica_may_lag());
  step({std::nullopt, replica("0-1-5", "Connecting")});
  now += 1s;
  EXPECT_EQ(step({std::nullopt, replica("0-1-5", "Connecting")}),
            (Decision{Action::promote, 1, true}));
}

TEST_F(FailoverPolicyTest, StatusOffCountsAsFallbackEvenBeforeNoTxGrows) {
  step({primary("0-1-5"), replica("0-1-5")});
  step({primary("0-1-5", 0, /*on=*/false), replica("0-1-5")});
  EXPECT_TRUE(policy.events().semisync_fell_back);
  EXPECT_TRUE(policy.replica_may_lag());
}

TEST_F(FailoverPolicyTest, TheReplicaCatchingUpAfterAFallbackClearsMayLag) {
  step({primary("0-1-5"), replica("0-1-5")});
  step({primary("0-1-7", 2), replica("0-1-5")});
  step({primary("0-1-8", 2), replica("0-1-7")});
  EXPECT_TRUE(policy.replica_may_lag());  // the replica has not got 0-1-8 yet
  step({primary("0-1-8", 2), replica("0-1-8")});
  EXPECT_TRUE(policy.events().replica_in_sync);
  EXPECT_FALSE(policy.replica_may_lag());
  step({std::nullopt, replica("0-1-8", "Connecting")});
  now += 1s;
  EXPECT_EQ(step({std::nullopt, replica("0-1-8", "Connecting")}),
            (Decision{Action::promote, 1, false}));
}

TEST_F(FailoverPolicyTest, AnOldPrimaryBackWritableIsFencedNotTheNewOne) {
  step({primary("0-1-5"), replica("0-1-5")});
  step({std::nullopt, replica("0-1-5", "Connecting")});
  now += 1s;
  ASSERT_EQ(step({std::nullopt, replica("0-1-5", "Connecting")}).action, Action::promote);
  policy.promoted(1);
  EXPECT_EQ(step({primary("0-1-5"), primary("0-2-6")}), (Decision{Action::fence, 0, false}));
}

TEST_F(FailoverPolicyTest, TwoWritableServersAndNoKnownPrimaryAreReportedNotGuessed) {
  EXPECT_EQ(step({primary("0-1-5"), primary("0-2-5")}), Decision{});
  EXPECT_TRUE(policy.events().both_writable);
}

TEST_F(FailoverPolicyTest, APrimaryThatCameBackReadOnlyAfterALossIsStillFailedOver) {
  // Killed, then restarted at once by a supervisor as a replica-to-be: read-only, attached
  // to nobody; the replica reconnected to it. Nobody is writable unless we promote.
  step({primary("0-1-5"), replica("0-1-5")});
  step({std::nullopt, replica("0-1-5", "Connecting")});
  Observation restarted = primary("0-1-5");
  restarted.read_only = true;
  now += 300ms;
  EXPECT_EQ(step({restarted, replica("0-1-5", "Yes")}), Decision{});
  now += 700ms;
  EXPECT_EQ(step({restarted, replica("0-1-5", "Yes")}), (Decision{Action::promote, 1, false}));
}

TEST_F(FailoverPolicyTest, AFencedPrimaryIsNotFailedOver) {
  step({primary("0-1-5"), replica("0-1-5")});
  Observation fenced = primary("0-1-5");
  fenced.read_only = true;
  now += 5s;
  EXPECT_EQ(step({fenced, replica("0-1-5")}), Decision{});
  now += 5s;
  EXPECT_EQ(step({fenced, replica("0-1-5")}), Decision{});
}

}  // namespace
}  // namespace iris::dbpair
