#include "apps/iris-bench/workload/chat_workload.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace iris::bench {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

WorkloadOptions small(std::uint64_t seed) {
  WorkloadOptions o;
  o.seed = seed;
  o.users = 30;
  o.days = 3;
  return o;
}

// Replays the online/offline events: which devices are online when each event happens.
struct Presence {
  explicit Presence(const ChatWorkload& w) : online(w.devices.size()) {
    for (std::size_t d = 0; d < w.devices.size(); ++d) online[d] = w.devices[d].online_at_start;
  }
  std::vector<bool> online;
};

TEST(WorkloadRng, SameSeedSameStreamAndKnownFirstValue) {
  WorkloadRng a(7), b(7), c(8);
  // SplitMix64's first output for seed 0 is a published constant; it pins the algorithm.
  EXPECT_EQ(WorkloadRng(0).next(), 0xE220A8397B1DCDAFull);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next(), b.next());
  EXPECT_NE(WorkloadRng(7).next(), c.next());
}

TEST(WorkloadRng, DistributionsHaveTheirMeans) {
  WorkloadRng r(42);
  constexpr int kN = 200'000;
  double u = 0, e = 0, n = 0, n2 = 0;
  std::vector<int> buckets(10);
  for (int i = 0; i < kN; ++i) {
    const double x = r.uniform();
    ASSERT_GE(x, 0.0);
    ASSERT_LT(x, 1.0);
    u += x;
    e += r.exponential(5.0);
    const double z = r.normal();
    n += z;
    n2 += z * z;
    ++buckets[r.below(10)];
  }
  EXPECT_NEAR(u / kN, 0.5, 0.01);
  EXPECT_NEAR(e / kN, 5.0, 0.1);
  EXPECT_NEAR(n / kN, 0.0, 0.01);
  EXPECT_NEAR(n2 / kN, 1.0, 0.02);
  for (int b : buckets) EXPECT_NEAR(b, kN / 10, kN / 100);
}

TEST(ChatWorkload, SameSeedGivesTheSameWorkload) {
  const ChatWorkload a = generate_chat_workload(small(11));
  const ChatWorkload b = generate_chat_workload(small(11));
  EXPECT_EQ(a.threads, b.threads);
  EXPECT_EQ(a.devices, b.devices);
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.texts, b.texts);
  EXPECT_FALSE(a.events.empty());
}

TEST(ChatWorkload, DifferentSeedsGiveDifferentWorkloads) {
  const ChatWorkload a = generate_chat_workload(small(11));
  const ChatWorkload b = generate_chat_workload(small(12));
  EXPECT_NE(a.events, b.events);
}

TEST(ChatWorkload, RejectsImpossibleOptions) {
  WorkloadOptions o;
  o.users = 1;
  EXPECT_THROW(generate_chat_workload(o), std::invalid_argument);
  o = {};
  o.days = 0;
  EXPECT_THROW(generate_chat_workload(o), std::invalid_argument);
  o = {};
  o.max_group = 2;
  EXPECT_THROW(generate_chat_workload(o), std::invalid_argument);
}

TEST(ChatWorkload, EventsAreOrderedAndInsideTheSimulatedTime) {
  const ChatWorkload w = generate_chat_workload(small(3));
  EXPECT_EQ(w.end_ms, 3 * kDay);
  for (std::size_t i = 0; i < w.events.size(); ++i) {
    EXPECT_GE(w.events[i].at_ms, 0);
    EXPECT_LT(w.events[i].at_ms, w.end_ms);
    if (i > 0) {
      EXPECT_LE(w.events[i - 1].at_ms, w.events[i].at_ms);
    }
  }
}

// The replay relies on this: a device acts only while connected, only in its user's threads,
// reads only messages of that thread already sent, and online/offline alternate.
TEST(ChatWorkload, DevicesActOnlyWhileOnlineAndOnlyInTheirThreads) {
  const ChatWorkload w = generate_chat_workload(small(5));
  Presence p(w);
  std::uint32_t sent = 0;
  for (const WorkloadEvent& e : w.events) {
    ASSERT_LT(e.device, w.devices.size());
    const std::uint32_t user = w.devices[e.device].user;
    switch (e.kind) {
      case EventKind::go_offline:
        ASSERT_TRUE(p.online[e.device]);
        p.online[e.device] = false;
        break;
      case EventKind::go_online:
      case EventKind::cold_start:
        ASSERT_FALSE(p.online[e.device]);
        p.online[e.device] = true;
        break;
      case EventKind::send:
      case EventKind::read: {
        ASSERT_TRUE(p.online[e.device]) << "device " << e.device << " at " << e.at_ms;
        ASSERT_LT(e.thread, w.threads.size());
        const auto& members = w.threads[e.thread].participants;
        ASSERT_NE(std::find(members.begin(), members.end(), user), members.end());
        if (e.kind == EventKind::send) {
          ASSERT_EQ(e.message, sent) << "messages are numbered in send order";
          ASSERT_EQ(w.message_thread[e.message], e.thread);
          ++sent;
        } else {
          ASSERT_LT(e.message, sent) << "a read names a message already sent";
          ASSERT_EQ(w.message_thread[e.message], e.thread);
        }
        break;
      }
    }
  }
  EXPECT_EQ(sent, w.texts.size());
}

TEST(ChatWorkload, ThreadsMixOneToOneAndGroups) {
  const ChatWorkload w = generate_chat_workload(small(9));
  std::size_t groups = 0;
  std::set<std::pair<std::uint32_t, std::uint32_t>> pairs;
  for (const WorkloadThread& t : w.threads) {
    std::set<std::uint32_t> distinct(t.participants.begin(), t.participants.end());
    EXPECT_EQ(distinct.size(), t.participants.size());
    if (t.group) {
      ++groups;
      EXPECT_GE(t.participants.size(), 3u);
      EXPECT_LE(t.participants.size(), 8u);
      EXPECT_FALSE(t.name.empty());
    } else {
      ASSERT_EQ(t.participants.size(), 2u);
      const auto a = std::min(t.participants[0], t.participants[1]);
      const auto b = std::max(t.participants[0], t.participants[1]);
      EXPECT_TRUE(pairs.insert({a, b}).second) << "one 1:1 thread per pair";
    }
  }
  EXPECT_EQ(w.threads.size() - groups, 60u);  // contacts 4 * 30 users / 2
  EXPECT_EQ(groups, 8u);                      // 0.25 * 30, rounded
}

TEST(ChatWorkload, MessageLengthsAreLogNormalAroundTheMedian) {
  WorkloadOptions o = small(21);
  o.users = 60;
  const ChatWorkload w = generate_chat_workload(o);
  ASSERT_GT(w.texts.size(), 1000u);
  std::vector<std::size_t> lengths;
  for (const auto& t : w.texts) {
    ASSERT_GE(t.size(), 1u);
    ASSERT_LE(t.size(), o.text_max);
    lengths.push_back(t.size());
  }
  std::sort(lengths.begin(), lengths.end());
  const auto median = lengths[lengths.size() / 2];
  EXPECT_GE(median, 25u);
  EXPECT_LE(median, 36u);
  // sigma 1: about 16% are longer than e * median, and some are a few hundred bytes.
  const auto long_ones = std::count_if(lengths.begin(), lengths.end(),
                                       [&](std::size_t n) { return n > 2.718 * 30; });
  EXPECT_NEAR(static_cast<double>(long_ones) / lengths.size(), 0.16, 0.04);
  EXPECT_GT(lengths.back(), 200u);
}

TEST(ChatWorkload, ConversationsComeInBurstsWithReadReceipts) {
  const ChatWorkload w = generate_chat_workload(small(4));
  std::map<std::uint32_t, std::int64_t> last_send;  // thread -> time
  std::size_t quick = 0, gaps = 0, reads = 0, sends = 0;
  for (const WorkloadEvent& e : w.events) {
    if (e.kind == EventKind::read) ++reads;
    if (e.kind != EventKind::send) continue;
    ++sends;
    if (auto it = last_send.find(e.thread); it != last_send.end()) {
      ++gaps;
      if (e.at_ms - it->second <= 5000) ++quick;
    }
    last_send[e.thread] = e.at_ms;
  }
  ASSERT_GT(sends, 500u);
  // Bursts and quick replies: a good share of messages follow the previous one within 5 s,
  // and sessions are hours apart, so far from all.
  EXPECT_GT(static_cast<double>(quick) / gaps, 0.15);
  EXPECT_LT(static_cast<double>(quick) / gaps, 0.7);
  EXPECT_GT(reads, sends / 5);
  EXPECT_LT(reads, sends);
}

TEST(ChatWorkload, DevicesGoAwayForMinutesHoursAndDaysAndSomeColdStart) {
  WorkloadOptions o = small(6);
  o.days = 5;
  const ChatWorkload w = generate_chat_workload(o);
  std::vector<std::int64_t> went_offline(w.devices.size(), -1);
  std::size_t minutes = 0, hours = 0, days = 0, cold = 0;
  for (const WorkloadEvent& e : w.events) {
    if (e.kind == EventKind::go_offline) went_offline[e.device] = e.at_ms;
    if (e.kind != EventKind::go_online && e.kind != EventKind::cold_start) continue;
    if (e.kind == EventKind::cold_start) ++cold;
    if (went_offline[e.device] < 0) continue;  // offline since the start
    const std::int64_t away = e.at_ms - went_offline[e.device];
    if (away < kHour) ++minutes;
    else if (away < kDay) ++hours;
    else ++days;
  }
  EXPECT_GT(minutes, hours);
  EXPECT_GT(hours, days);
  EXPECT_GE(days, 5u);
  EXPECT_GE(cold, 1u);
  EXPECT_LT(cold, minutes / 5);
}

TEST(ChatWorkload, TextIsMadeOfWords) {
  const ChatWorkload w = generate_chat_workload(small(2));
  std::size_t spaces = 0, bytes = 0;
  for (const auto& t : w.texts) {
    bytes += t.size();
    spaces += static_cast<std::size_t>(std::count(t.begin(), t.end(), ' '));
    for (char c : t) ASSERT_TRUE((c >= 'a' && c <= 'z') || c == ' ' || c == '.' || c == 'I');
  }
  // English averages a word boundary every 4-6 bytes.
  EXPECT_GT(static_cast<double>(spaces) / bytes, 0.12);
  EXPECT_LT(static_cast<double>(spaces) / bytes, 0.3);
}

}  // namespace
}  // namespace iris::bench
