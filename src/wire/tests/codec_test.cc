#include "wire/codec.h"

#include <gtest/gtest.h>

#include "gen/iris_constants.h"
#include "wire/errc.h"
#include "wire/tests/sample_messages.h"

namespace iris::wire {
namespace {

using testing::name_of;
using testing::random_message;
using testing::sample_messages;

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out.push_back(static_cast<char>(b));
  return out;
}

template <typename M>
void expect_round_trip(const M& m, const std::string& what) {
  const std::string encoded = encode(m);
  auto decoded = decode<M>(encoded);
  ASSERT_TRUE(decoded) << what << ": " << decoded.error().message();
  EXPECT_EQ(*decoded, m) << what;
  EXPECT_EQ(encode(*decoded), encoded) << what;
}

TEST(WireCodec, RoundTripsEveryMessageAsItsOwnType) {
  for (const Message& m : sample_messages()) {
    std::visit([&](const auto& alt) { expect_round_trip(alt, name_of(m)); }, m);
  }
}

TEST(WireCodec, RoundTripsEveryMessageInAnEnvelope) {
  for (const Message& m : sample_messages()) expect_round_trip(m, name_of(m));
}

TEST(WireCodec, RoundTripsRandomMessages) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 2000; ++i) {
    const Message m = random_message(rng);
    expect_round_trip(m, name_of(m));
  }
}

TEST(WireCodec, EncodesAckAsCompactFieldsWithNoHeader) {
  EXPECT_EQ(encode(Ack{core::Epoch{1}, core::Seq{300}}),
            bytes({0x16, 0x02,        // field 1 (delta 1), i64: epoch, zigzag(1) = 2
                   0x16, 0xd8, 0x04,  // field 2 (delta 1), i64: seq, zigzag(300) = 600 varint
                   0x00}));           // stop
}

TEST(WireCodec, EncodesIdsAbove2To63AsNegativeI64) {
  // Epoch 2^64-1 travels as i64 -1: zigzag 1, one byte.
  EXPECT_EQ(encode(Ack{core::Epoch{~0ull}, core::Seq{0}}),
            bytes({0x16, 0x01, 0x16, 0x00, 0x00}));
}

TEST(WireCodec, EncodesEnvelopeAsUnionMember) {
  EXPECT_EQ(encode(Message{Ack{core::Epoch{1}, core::Seq{2}}}),
            bytes({0xcc,                    // field 12 (delta 12), struct: ack
                   0x16, 0x02, 0x16, 0x04,  // epoch 1, seq 2
                   0x00,                    // stop of Ack
                   0x00}));                 // stop of Envelope
}

TEST(WireCodec, EncodesHeartbeatAndTypingAsEnvelopeMembers13And14) {
  EXPECT_EQ(encode(Message{Heartbeat{core::Epoch{9}, core::Seq{42}}}),
            bytes({0xdc,        // field 13 (delta 13), struct: heartbeat
                   0x16, 0x12,  // field 1, i64: epoch, zigzag(9) = 18
                   0x16, 0x54,  // field 2, i64: head, zigzag(42) = 84
                   0x00,        // stop of Heartbeat
                   0x00}));     // stop of Envelope
  EXPECT_EQ(encode(Message{Typing{core::ThreadId{7}, core::UserId{2}, true}}),
            bytes({0xec,        // field 14 (delta 14), struct: typing
                   0x16, 0x0e,  // field 1, i64: thread, zigzag(7) = 14
                   0x16, 0x04,  // field 2, i64: user, zigzag(2) = 4
                   0x11,        // field 3, bool true (type 1 carries the value)
                   0x00,        // stop of Typing
                   0x00}));     // stop of Envelope
}

TEST(WireCodec, EncodesThreadPageAsEnvelopeMember15) {
  const ThreadPage page{core::ThreadId{7},
                        {ThreadMessage{core::MessageId{1}, core::UserId{2},
                                       core::Timestamp{std::chrono::milliseconds{3}}, "a",
                                       std::nullopt}},
                        true};
  const std::string expected = bytes({0xfc,        // field 15 (delta 15), struct: thread_page
                                      0x16, 0x0e,  // field 1, i64: thread, zigzag(7) = 14
                                      0x19, 0x1c,  // field 2, list: messages, 1 struct
                                      0x16, 0x02,  //   field 1, i64: message 1
                                      0x16, 0x04,  //   field 2, i64: sender 2
                                      0x16, 0x06,  //   field 3, i64: time_ms 3
                                      0x18, 0x01, 0x61,  // field 4, binary: text "a"
                                      0x00,        //   stop of ThreadMessage
                                      0x11,        // field 3, bool true: more
                                      0x00,        // stop of ThreadPage
                                      0x00});      // stop of Envelope
  EXPECT_EQ(encode(Message{page}), expected);
  EXPECT_EQ(decode<Message>(expected), Message{page});
}

// A delta batch of one update whose body member is `member` (an empty struct).
std::string batch_with_body_member(int member) {
  return bytes({0x16, 0x02,                // epoch 1
                0x16, 0x02,                // first_seq 1
                0x16, 0x02,                // last_seq 1
                0x19, 0x1c,                // field 4, list: 1 element of struct
                0x16, 0x02,                // Update.seq 1
                0x4c,                      // field 5 (delta 4), struct: body
                (member << 4) | 0x0c, 0x00,  // UpdateBody member, empty struct
                0x00,                      // stop of UpdateBody
                0x00,                      // stop of Update
                0x00});                    // stop of DeltaBatch
}

TEST(WireCodec, DecodesKnownUpdateBodyMember) {
  auto batch = decode<DeltaBatch>(batch_with_body_member(3));
  ASSERT_TRUE(batch) << batch.error().message();
  ASSERT_EQ(batch->updates.size(), 1u);
  EXPECT_EQ(batch->updates[0].body, core::UpdateBody{core::MessageDeleted{core::MessageId{0}}});
}

TEST(WireCodec, RejectsUpdateKindItDoesNotKnow) {
  EXPECT_EQ(decode<DeltaBatch>(batch_with_body_member(12)).error(), errc::unknown_kind);  // 9-11 are the social kinds (version 6)
}

TEST(WireCodec, RejectsClientIdNotSixteenBytes) {
  // MessageCreated with an empty client_id.
  EXPECT_EQ(decode<DeltaBatch>(batch_with_body_member(1)).error(), errc::malformed);
}

TEST(WireCodec, RejectsUnionWithTwoMembers) {
  const std::string envelope = bytes({0xcc, 0x00,  // member 12, struct: ack (empty)
                                      0x0c, 0x10,  // long header: struct, zigzag(8): member 8
                                      0x00,        // read_request (empty)
                                      0x00});      // stop
  EXPECT_EQ(decode<Message>(envelope).error(), errc::malformed);
}

TEST(WireCodec, SkipsFieldsItDoesNotKnow) {
  // Ack with an extra field 3 (a newer peer's addition): a string "xy".
  auto ack = decode<Ack>(bytes({0x16, 0x02, 0x16, 0x04, 0x18, 0x02, 'x', 'y', 0x00}));
  ASSERT_TRUE(ack) << ack.error().message();
  EXPECT_EQ(*ack, (Ack{core::Epoch{1}, core::Seq{2}}));
}

TEST(WireCodec, FillsMissingFieldsWithDefaults) {
  auto ack = decode<Ack>(bytes({0x00}));
  ASSERT_TRUE(ack);
  EXPECT_EQ(*ack, Ack{});
}

TEST(WireCodec, RejectsEnumValueItDoesNotKnow) {
  // Resync with reason 9.
  EXPECT_EQ(decode<Resync>(bytes({0x15, 0x12, 0x00})).error(), errc::unknown_kind);
  EXPECT_EQ(decode<Resync>(bytes({0x15, 0x00, 0x00})).error(), errc::unknown_kind);
  EXPECT_TRUE(decode<Resync>(bytes({0x15, 0x08, 0x00})));  // temporary
}

TEST(WireCodec, RejectsNegativeCount) {
  // ResumeRequest with max_updates -1 (field 3, i32, zigzag 1).
  EXPECT_EQ(decode<ResumeRequest>(bytes({0x35, 0x01, 0x00})).error(), errc::invalid_message);
}

TEST(WireCodec, RejectsInvalidUtf8) {
  // SendRequest with body "\xff" (field 3, binary).
  EXPECT_EQ(decode<SendRequest>(bytes({0x18, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                       0, 0, 0x28, 0x01, 0xff, 0x00}))
                .error(),
            errc::invalid_utf8);
}

TEST(WireCodec, RejectsBatchWhoseUpdatesDoNotFitItsRange) {
  DeltaBatch gap{core::Epoch{1}, core::Seq{1}, core::Seq{3}, {}, false};
  for (std::uint64_t s : {1, 3}) {
    gap.updates.push_back(core::Update{core::Seq{s}, {}, {}, {}, core::MessageDeleted{}});
  }
  EXPECT_EQ(decode<DeltaBatch>(encode(gap)).error(), errc::invalid_message);
  gap.folded = true;  // folded: gaps are allowed
  EXPECT_TRUE(decode<DeltaBatch>(encode(gap)));
  gap.last_seq = core::Seq{2};  // an update past last_seq
  EXPECT_EQ(decode<DeltaBatch>(encode(gap)).error(), errc::invalid_message);
  DeltaBatch backwards{core::Epoch{1}, core::Seq{5}, core::Seq{4}, {}, true};
  EXPECT_EQ(decode<DeltaBatch>(encode(backwards)).error(), errc::invalid_message);
}

TEST(WireCodec, ProtocolVersionMatchesTheIdl) {
  EXPECT_EQ(kProtocolVersion, gen::g_iris_constants.PROTOCOL_VERSION);
}

TEST(WireCodec, DecodesEnvelopeOfEachKindToThatAlternative) {
  for (const Message& m : sample_messages()) {
    auto decoded = decode<Message>(encode(m));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->index(), m.index()) << name_of(m);
  }
}

}  // namespace
}  // namespace iris::wire
