// Decoding hostile input: truncated, oversize, garbage and mutated payloads fail with a
// clear error and never crash or allocate without bound (the fuzzer goes further).

#include <gtest/gtest.h>

#include "wire/codec.h"
#include "wire/errc.h"
#include "wire/json_codec.h"
#include "wire/tests/sample_messages.h"

namespace iris::wire {
namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out.push_back(static_cast<char>(b));
  return out;
}

TEST(WireHostileInput, EveryTruncationOfEveryMessageIsTruncated) {
  for (const Message& m : testing::sample_messages()) {
    const std::string full = encode(m);
    for (std::size_t n = 0; n < full.size(); ++n) {
      auto r = decode<Message>(std::string_view(full).substr(0, n));
      ASSERT_FALSE(r) << testing::name_of(m) << " cut at " << n;
      EXPECT_EQ(r.error(), errc::truncated) << testing::name_of(m) << " cut at " << n;
    }
  }
}

TEST(WireHostileInput, EveryTruncationOfEveryJsonMessageFails) {
  for (const Message& m : testing::sample_messages()) {
    const std::string full = encode_json(m);
    for (std::size_t n = 0; n < full.size(); ++n) {
      EXPECT_FALSE(decode_json<Message>(std::string_view(full).substr(0, n)))
          << testing::name_of(m) << " cut at " << n;
    }
  }
}

TEST(WireHostileInput, TrailingBytesAreMalformed) {
  const std::string ack = encode(Ack{core::Epoch{1}, core::Seq{2}});
  EXPECT_EQ(decode<Ack>(ack + '\0').error(), errc::malformed);
}

TEST(WireHostileInput, InputOverMessageLimitIsRejectedBeforeParsing) {
  Limits limits;
  limits.max_message_bytes = 16;
  EXPECT_EQ(decode<Ack>(std::string(17, '\0'), limits).error(), errc::too_large);
  EXPECT_EQ(decode_json<Ack>(std::string(17, ' '), limits).error(), errc::too_large);
}

TEST(WireHostileInput, StringOverLimitIsTooLarge) {
  Limits limits;
  limits.max_string_bytes = 10;
  const std::string ok = encode(Error{std::nullopt, ErrorCode::internal, std::string(10, 'a')});
  const std::string big = encode(Error{std::nullopt, ErrorCode::internal, std::string(11, 'a')});
  EXPECT_TRUE(decode<Error>(ok, limits));
  EXPECT_EQ(decode<Error>(big, limits).error(), errc::too_large);
}

TEST(WireHostileInput, ListOverLimitIsTooLarge) {
  Limits limits;
  limits.max_list_size = 3;
  CreateThreadRequest r{core::ClientMsgId{1, 1}, "t", {}};
  r.participants.assign(3, core::UserId{1});
  EXPECT_TRUE(decode<CreateThreadRequest>(encode(r), limits));
  r.participants.push_back(core::UserId{1});
  EXPECT_EQ(decode<CreateThreadRequest>(encode(r), limits).error(), errc::too_large);
}

TEST(WireHostileInput, CountBeyondRemainingBytesIsTruncatedWithoutAllocating) {
  // DeltaBatch.updates claiming 9,999 structs (under the list limit) in a 7-byte payload:
  // each struct needs at least one byte, so this fails before the list is allocated.
  EXPECT_EQ(decode<DeltaBatch>(bytes({0x49,              // field 4, list
                                      0xfc, 0x8f, 0x4e,  // long form: struct, varint 9999
                                      0x00, 0x00, 0x00}))
                .error(),
            errc::truncated);
  // A string claiming 60,000 bytes (under the string limit) with 2 present.
  EXPECT_EQ(decode<Error>(bytes({0x38, 0xe0, 0xd4, 0x03, 'a', 'b'})).error(), errc::truncated);
}

TEST(WireHostileInput, NestingOverDepthLimitIsTooLarge) {
  // Ack with an unknown field 3 holding structs nested 100 deep.
  std::string deep = bytes({0x3c});
  for (int i = 0; i < 100; ++i) deep += bytes({0x1c});
  deep += std::string(102, '\0');
  EXPECT_EQ(decode<Ack>(deep).error(), errc::too_large);
  std::string json = R"({"x":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(decode_json<Ack>(json).error(), errc::too_large);
}

TEST(WireHostileInput, BadTypeTagsAreMalformed) {
  EXPECT_EQ(decode<Ack>(bytes({0x1d, 0x00})).error(), errc::malformed);  // type 13 is no type
  // A varint of 11 bytes.
  EXPECT_EQ(decode<Ack>(bytes({0x16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                               0x01, 0x00}))
                .error(),
            errc::malformed);
  // A negative string length.
  EXPECT_EQ(decode<Error>(bytes({0x38, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00})).error(), errc::malformed);
}

TEST(WireHostileInput, RandomGarbageNeverDecodesToNonsense) {
  std::mt19937_64 rng(45);
  for (int i = 0; i < 20000; ++i) {
    std::string junk(rng() % 64, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    // Whatever decodes must re-encode to something that decodes to the same value.
    if (auto m = decode<Message>(junk)) {
      EXPECT_EQ(decode<Message>(encode(*m)), m);
    }
    if (auto m = decode_json<Message>(junk)) {
      EXPECT_EQ(decode_json<Message>(encode_json(*m)), m);
    }
  }
}

TEST(WireHostileInput, MutatedMessagesFailCleanlyOrStayConsistent) {
  std::mt19937_64 rng(46);
  const auto samples = testing::sample_messages();
  for (int i = 0; i < 20000; ++i) {
    const Message& m = samples[rng() % samples.size()];
    std::string wire = i % 2 ? encode(m) : encode_json(m);
    for (auto flips = 1 + rng() % 4; flips > 0; --flips) {
      wire[rng() % wire.size()] = static_cast<char>(rng());
    }
    if (i % 2) {
      if (auto d = decode<Message>(wire)) {
        EXPECT_EQ(decode<Message>(encode(*d)), d);
      }
    } else {
      if (auto d = decode_json<Message>(wire)) {
        EXPECT_EQ(decode_json<Message>(encode_json(*d)), d);
      }
    }
  }
}

}  // namespace
}  // namespace iris::wire
