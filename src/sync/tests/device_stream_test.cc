#include "sync/device_stream.h"

#include <gtest/gtest.h>

#include <random>

namespace iris::sync {
namespace {

using core::Seq;

TEST(DeviceStream, CatchUpInRangesThenLive) {
  DeviceStream s(Seq{100}, Seq{700}, {.max_inflight = 10, .max_range = 256});
  EXPECT_EQ(s.next(), (SendRange{Seq{101}, Seq{356}, true}));
  EXPECT_EQ(s.next(), (SendRange{Seq{357}, Seq{612}, true}));
  EXPECT_EQ(s.next(), (SendRange{Seq{613}, Seq{700}, true}));
  EXPECT_EQ(s.next(), std::nullopt) << "up to date";
  s.on_head(Seq{702});
  EXPECT_EQ(s.next(), (SendRange{Seq{701}, Seq{702}, false})) << "live after the seam, no gap";
}

TEST(DeviceStream, LiveRangeNeverMergesIntoTheCatchUp) {
  DeviceStream s(Seq{0}, Seq{10}, {.max_inflight = 10, .max_range = 100});
  s.on_head(Seq{15});
  EXPECT_EQ(s.next(), (SendRange{Seq{1}, Seq{10}, true}));
  EXPECT_EQ(s.next(), (SendRange{Seq{11}, Seq{15}, false}));
}

TEST(DeviceStream, StalledDeviceStopsAtTheWindow) {
  DeviceStream s(Seq{0}, Seq{1000}, {.max_inflight = 2, .max_range = 10});
  ASSERT_TRUE(s.next());
  ASSERT_TRUE(s.next());
  EXPECT_EQ(s.next(), std::nullopt) << "window of 2 is full";
  EXPECT_EQ(s.inflight(), 2u);
  EXPECT_TRUE(s.on_ack(Seq{10}));
  EXPECT_EQ(s.acked(), Seq{10});
  EXPECT_EQ(s.next(), (SendRange{Seq{21}, Seq{30}, true}));
}

TEST(DeviceStream, IgnoresAcksOutOfOrderOrForUnsentBatches) {
  DeviceStream s(Seq{0}, Seq{100}, {.max_inflight = 4, .max_range = 10});
  s.next();
  s.next();
  EXPECT_FALSE(s.on_ack(Seq{20})) << "the batch ending at 10 comes first";
  EXPECT_FALSE(s.on_ack(Seq{5}));
  EXPECT_FALSE(s.on_ack(Seq{99}));
  EXPECT_EQ(s.acked(), Seq{0});
  EXPECT_TRUE(s.on_ack(Seq{10}));
  EXPECT_FALSE(s.on_ack(Seq{10})) << "a duplicate ack changes nothing";
  EXPECT_EQ(s.acked(), Seq{10});
}

TEST(DeviceStream, SkippedRangeIsNotInFlightAndTheNextBatchAcknowledgesIt) {
  DeviceStream s(Seq{10}, Seq{10}, {.max_inflight = 1, .max_range = 10});
  EXPECT_TRUE(s.up_to_date());
  s.on_head(Seq{11});
  EXPECT_FALSE(s.up_to_date());
  EXPECT_EQ(s.next(), (SendRange{Seq{11}, Seq{11}, false}));
  s.skip();  // the device's own send: its result stands for it
  EXPECT_EQ(s.inflight(), 0u);
  EXPECT_TRUE(s.up_to_date()) << "nothing in flight, nothing to send";
  EXPECT_EQ(s.acked(), Seq{10}) << "the cursor moves only on an ack";
  s.on_head(Seq{13});
  EXPECT_EQ(s.next(), (SendRange{Seq{12}, Seq{13}, false})) << "starts after the skipped range";
  EXPECT_EQ(s.next(), std::nullopt) << "a window of 1, and the skip did not take it";
  EXPECT_TRUE(s.on_ack(Seq{13}));
  EXPECT_EQ(s.acked(), Seq{13});
  EXPECT_TRUE(s.up_to_date());
}

TEST(DeviceStream, RandomDrivesKeepRangesGaplessAndCursorMonotonic) {
  std::mt19937_64 rng(5);
  DeviceStream s(Seq{50}, Seq{60}, {.max_inflight = 3, .max_range = 7});
  Seq expect_from{51};
  std::deque<Seq> sent;
  Seq acked{50};
  for (int i = 0; i < 5000; ++i) {
    switch (rng() % 3) {
      case 0: s.on_head(Seq{s.head().value() + rng() % 5}); break;
      case 1:
        if (auto r = s.next()) {
          ASSERT_EQ(r->from, expect_from);
          ASSERT_LE(r->from, r->to);
          ASSERT_LE(r->to.value() - r->from.value() + 1, 7u);
          expect_from = core::next(r->to);
          sent.push_back(r->to);
        }
        break;
      default:
        if (!sent.empty()) {
          ASSERT_TRUE(s.on_ack(sent.front()));
          acked = sent.front();
          sent.pop_front();
        }
    }
    ASSERT_EQ(s.acked(), acked);
    ASSERT_LE(s.acked(), s.sent());
    ASSERT_LE(s.sent(), s.head());
    ASSERT_LE(s.inflight(), 3u);
  }
}

}  // namespace
}  // namespace iris::sync
