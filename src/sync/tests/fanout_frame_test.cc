#include "sync/fanout_frame.h"

#include <gtest/gtest.h>

#include <random>

#include "sync/errc.h"
#include "wire/codec.h"

namespace iris::sync {
namespace {

using core::Seq;
using core::UserId;

store::PendingFanout sample(std::uint64_t seq = 5, std::vector<UserId> to = {UserId{2}, UserId{3}}) {
  const core::Update u{Seq{seq}, core::Timestamp{std::chrono::milliseconds{1'700'000'000'000}}, core::ThreadId{9},
                       UserId{1}, core::MessageCreated{.message = core::MessageId{77}, .client_id = {1, 2}, .text = "hi", .reply_to = {}, .attachments = {}}};
  return store::PendingFanout{UserId{1}, u, std::move(to)};
}

TEST(FanoutFrame, HeaderIsVersionSenderSeqAndRecipientsBigEndian) {
  const auto bytes = encode_fanout_frame(sample());
  const std::string header(
      "\x01"                                // version 1
      "\x00\x00\x00\x00\x00\x00\x00\x01"    // sender 1
      "\x00\x00\x00\x00\x00\x00\x00\x05"    // seq 5 (the sender's)
      "\x00\x02"                            // two recipients
      "\x00\x00\x00\x00\x00\x00\x00\x02"    // user 2
      "\x00\x00\x00\x00\x00\x00\x00\x03",   // user 3
      1 + 8 + 8 + 2 + 16);
  ASSERT_GT(bytes.size(), header.size());
  EXPECT_EQ(bytes.substr(0, header.size()), header);
  // The rest is the project's wire encoding of a one-update DeltaBatch at that seq.
  auto batch = wire::decode<wire::DeltaBatch>(bytes.substr(header.size()));
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->updates.size(), 1u);
  EXPECT_EQ(batch->updates[0], sample().update);
}

TEST(FanoutFrame, RoundTripsAtMinMaxAndRandomValues) {
  std::mt19937_64 rng(18);
  for (int i = 0; i < 50; ++i) {
    std::vector<UserId> to;
    const std::size_t n = i == 0 ? 1 : i == 1 ? 250 : 1 + rng() % 20;
    for (std::size_t k = 0; k < n; ++k) to.push_back(UserId{i == 1 ? ~std::uint64_t{0} - k : (rng() | 1)});
    auto f = sample(i == 1 ? ~std::uint64_t{0} - 1 : 1 + rng() % 1'000'000, to);
    auto back = decode_fanout_frame(encode_fanout_frame(f), {});
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, f);
  }
}

TEST(FanoutFrame, RefusesAnUnknownVersion) {
  auto bytes = encode_fanout_frame(sample());
  bytes[0] = 2;
  EXPECT_EQ(decode_fanout_frame(bytes, {}).error(), errc::unknown_frame_version);
  EXPECT_EQ(decode_fanout_frame(std::string("\xff garbage"), {}).error(), errc::unknown_frame_version);
}

TEST(FanoutFrame, RefusesEveryTruncationAndTrailingBytes) {
  const auto bytes = encode_fanout_frame(sample());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(decode_fanout_frame(bytes.substr(0, n), {}).error(), errc::bad_frame) << n;
  }
  EXPECT_EQ(decode_fanout_frame(bytes + "x", {}).error(), errc::bad_frame);
}

TEST(FanoutFrame, RefusesFramesOverItsLimitsBeforeDecoding) {
  const auto bytes = encode_fanout_frame(sample());
  EXPECT_EQ(decode_fanout_frame(bytes, {.max_recipients = 1}).error(), errc::bad_frame);
  EXPECT_EQ(decode_fanout_frame(bytes, {.max_bytes = bytes.size() - 1}).error(), errc::bad_frame);
  // A count that promises more recipients than the bytes hold is refused, not allocated.
  std::string lying = bytes.substr(0, 17) + std::string("\xff\xff", 2);
  EXPECT_EQ(decode_fanout_frame(lying, {.max_recipients = 70'000}).error(), errc::bad_frame);
}

TEST(FanoutFrame, RefusesNoRecipientsZeroOrRepeatedOnesAndAMismatchedUpdate) {
  EXPECT_EQ(decode_fanout_frame(encode_fanout_frame(sample(5, {})), {}).error(), errc::bad_frame);
  EXPECT_EQ(decode_fanout_frame(encode_fanout_frame(sample(5, {UserId{0}})), {}).error(), errc::bad_frame);
  EXPECT_EQ(decode_fanout_frame(encode_fanout_frame(sample(5, {UserId{4}, UserId{4}})), {}).error(), errc::bad_frame);
  auto bytes = encode_fanout_frame(sample(5));
  bytes[16] = 6;  // the header says seq 6, the update is at 5
  EXPECT_EQ(decode_fanout_frame(bytes, {}).error(), errc::bad_frame);
}

}  // namespace
}  // namespace iris::sync
