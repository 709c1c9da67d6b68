#include "store/detail/record_codec.h"

#include <gtest/gtest.h>

#include "core/testing/random_updates.h"
#include "store/errc.h"

namespace iris::store::detail {
namespace {

using namespace std::chrono_literals;

TEST(RecordCodec, UpdateRoundTripsForEveryKindAndRandomValues) {
  core::testing::RandomUpdates gen(11);
  for (int i = 0; i < 2000; ++i) {
    auto u = gen.next(core::Timestamp{std::chrono::milliseconds(static_cast<std::int64_t>(gen.rng()()))});
    u.seq = core::Seq{static_cast<std::uint64_t>(i + 1)};
    std::string bytes;
    encode_update(u, bytes);
    auto back = decode_update(bytes, u.seq);
    ASSERT_TRUE(back) << i;
    EXPECT_EQ(*back, u);
  }
}

TEST(RecordCodec, MessageCreatedHasTheDocumentedLayout) {
  core::Update u{core::Seq{9}, core::Timestamp{std::chrono::milliseconds{-1}}, core::ThreadId{300},
                 core::UserId{2},
                 core::MessageCreated{core::MessageId{5}, core::ClientMsgId{1, 2}, "hi", core::MessageId{7}}};
  std::string bytes;
  encode_update(u, bytes);
  static constexpr char kExpect[] =
      "\x01"                               // version 1
      "\x01"                               // kind 1: MessageCreated
      "\x01"                               // time -1 ms, zigzag -> 1
      "\xac\x02"                           // thread 300 as varint
      "\x02"                               // actor 2
      "\x05"                               // message 5
      "\x01\x00\x00\x00\x00\x00\x00\x00"   // client id hi = 1, fixed64 little-endian
      "\x02\x00\x00\x00\x00\x00\x00\x00"   // client id lo = 2
      "\x02hi"                             // text: length 2, "hi"
      "\x01\x07";                          // has reply_to, reply_to 7
  EXPECT_EQ(bytes, std::string(kExpect, sizeof kExpect - 1));
}

TEST(RecordCodec, EveryTruncationOfAnUpdateIsCorrupt) {
  core::testing::RandomUpdates gen(3);
  for (int i = 0; i < 50; ++i) {
    std::string bytes;
    encode_update(gen.next(), bytes);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      auto r = decode_update(std::string_view(bytes).substr(0, n), core::Seq{1});
      ASSERT_FALSE(r) << "length " << n << " of " << bytes.size();
      EXPECT_EQ(r.error(), errc::corrupt_record);
    }
  }
}

TEST(RecordCodec, TrailingBytesUnknownKindAndVersionAreCorrupt) {
  std::string bytes;
  encode_update(core::testing::message(core::ThreadId{1}, core::UserId{1}, "x"), bytes);
  EXPECT_EQ(decode_update(bytes + "z", core::Seq{1}).error(), errc::corrupt_record);
  std::string bad_kind = bytes;
  bad_kind[1] = 99;
  EXPECT_EQ(decode_update(bad_kind, core::Seq{1}).error(), errc::corrupt_record);
  std::string bad_version = bytes;
  bad_version[0] = 2;
  EXPECT_EQ(decode_update(bad_version, core::Seq{1}).error(), errc::corrupt_record);
}

TEST(RecordCodec, HugeLengthsAreRejectedWithoutAllocating) {
  // ThreadCreated whose name claims 2^62 bytes, then a participant count of 2^62.
  const std::string huge_name{"\x01\x05\x00\x01\x01\x80\x80\x80\x80\x80\x80\x80\x80\x40", 14};
  EXPECT_EQ(decode_update(huge_name, core::Seq{1}).error(), errc::corrupt_record);
  const std::string huge_count{"\x01\x05\x00\x01\x01\x00\x80\x80\x80\x80\x80\x80\x80\x80\x40", 15};
  EXPECT_EQ(decode_update(huge_count, core::Seq{1}).error(), errc::corrupt_record);
  const std::string varint_overflow{"\x01\x03\x00\x01\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 15};
  EXPECT_EQ(decode_update(varint_overflow, core::Seq{1}).error(), errc::corrupt_record);
}

TEST(RecordCodec, OverLongVarintIsCorrupt) {
  // Found by the record fuzzer: "80 00" is a two-byte zero; only "00" is canonical.
  const std::string over_long{"\x01\x32\x80\x00", 4};
  EXPECT_EQ(decode_idempotency(over_long).error(), errc::corrupt_record);
  EXPECT_TRUE(decode_idempotency(std::string{"\x01\x32\x00", 3}));
}

TEST(RecordCodec, MetaRoundTripsAndRejectsImpossibleRanges) {
  const Meta m{core::Epoch{~0ull}, core::Seq{5}, core::Seq{4}};
  std::string bytes;
  encode_meta(m, bytes);
  EXPECT_EQ(decode_meta(bytes), m);
  std::string bad;
  encode_meta(Meta{core::Epoch{1}, core::Seq{7}, core::Seq{4}}, bad);  // first > head + 1
  EXPECT_EQ(decode_meta(bad).error(), errc::corrupt_record);
  EXPECT_EQ(decode_meta(bytes.substr(0, 5)).error(), errc::corrupt_record);
}

TEST(RecordCodec, IdempotencyRoundTripsAndRejectsTruncation) {
  const core::IdempotencyRecord rec{core::Timestamp{123456ms},
                                    {{core::UserId{1}, core::Seq{10}}, {core::UserId{99}, core::Seq{3}}}};
  std::string bytes;
  encode_idempotency(rec, bytes);
  EXPECT_EQ(decode_idempotency(bytes), rec);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_idempotency(std::string_view(bytes).substr(0, n))) << n;
  }
}

TEST(RecordCodec, KeysSortNumericallyAndDescribeThemselves) {
  EXPECT_LT(update_key(core::UserId{1}, core::Seq{255}), update_key(core::UserId{1}, core::Seq{256}));
  EXPECT_LT(update_key(core::UserId{1}, core::Seq{~0ull}), update_key(core::UserId{2}, core::Seq{0}));
  EXPECT_EQ(seq_of_update_key(update_key(core::UserId{3}, core::Seq{77})), core::Seq{77});
  EXPECT_EQ(describe_key(update_key(core::UserId{3}, core::Seq{77})), "U/3/77");
  EXPECT_EQ(describe_key(cursor_key(core::UserId{3}, core::CursorName::storage())), "C/3/storage");
  EXPECT_EQ(describe_key("zz"), "raw:7a7a");
}

}  // namespace
}  // namespace iris::store::detail

namespace iris::store::detail {
namespace {

core::Update with_attachments() {
  core::MessageCreated m{core::MessageId{5}, core::ClientMsgId{1, 2}, "hi", std::nullopt};
  core::BlobId blob;
  blob.bytes.fill(0xab);
  m.attachments = {core::Attachment{blob, "image/png", 300, "a.png", 640, std::nullopt},
                   core::Attachment{core::BlobId{}, "text/plain", 0, "", std::nullopt, std::nullopt}};
  return core::Update{core::Seq{1}, core::Timestamp{}, core::ThreadId{1}, core::UserId{2}, m};
}

TEST(RecordCodec, MessageCreatedWithAttachmentsRoundTripsWithItsTail) {
  const core::Update u = with_attachments();
  std::string bytes;
  encode_update(u, bytes);
  auto back = decode_update(bytes, u.seq);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, u);
  // The tail after has_reply: count 2, then the first attachment's blob id.
  const std::size_t tail = bytes.find("\x02hi\x00", 0, 4) + 4;
  EXPECT_EQ(bytes[tail], '\x02');
  EXPECT_EQ(static_cast<unsigned char>(bytes[tail + 1]), 0xab);
}

TEST(RecordCodec, TruncatedOrOverlongAttachmentTailIsCorrupt) {
  std::string bytes;
  encode_update(with_attachments(), bytes);
  const std::size_t tail = bytes.find("\x02hi\x00", 0, 4) + 4;
  // Cut anywhere inside the tail (a cut at its very start is a record without attachments).
  for (std::size_t n = tail + 1; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_update(std::string_view(bytes).substr(0, n), core::Seq{1})) << n;
  }
  std::string zero_count = bytes.substr(0, tail) + '\x00';
  EXPECT_FALSE(decode_update(zero_count, core::Seq{1}));
  std::string huge_count = bytes.substr(0, tail) + "\xff\x01";
  EXPECT_FALSE(decode_update(huge_count, core::Seq{1}));
}

// The history store's per-message columns (schema version 3).
TEST(RecordCodec, HistoryColumnsRoundTripAndAnEmptyListIsNoValue) {
  const auto list = std::get<core::MessageCreated>(with_attachments().body).attachments;
  std::string bytes;
  encode_attachments(list, bytes);
  EXPECT_EQ(decode_attachments(bytes).value(), list);
  const std::vector<core::Reaction> rs{{core::UserId{2}, "👍"}, {core::UserId{300}, "🎉"}};
  std::string r;
  encode_reactions(rs, r);
  EXPECT_EQ(r, std::string("\x02\x02\x04👍\xac\x02\x04🎉"));
  EXPECT_EQ(decode_reactions(r).value(), rs);
  std::string none;
  encode_attachments({}, none);
  encode_reactions({}, none);
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(decode_reactions("").value().empty());
  EXPECT_TRUE(decode_attachments("").value().empty());
}

TEST(RecordCodec, CorruptReactionsColumnIsRefusedWithoutAllocating) {
  std::string r;
  encode_reactions({{core::UserId{2}, "a"}, {core::UserId{3}, "b"}}, r);
  for (std::size_t n = 1; n < r.size(); ++n) EXPECT_FALSE(decode_reactions(r.substr(0, n))) << n;
  EXPECT_FALSE(decode_reactions(r + "x")) << "trailing bytes";
  EXPECT_FALSE(decode_reactions("\xff\xff\xff\xff\x0f")) << "a count beyond the bytes";
  std::string unordered;
  encode_reactions({{core::UserId{3}, "a"}, {core::UserId{2}, "b"}}, unordered);
  EXPECT_FALSE(decode_reactions(unordered)) << "not in user order: not written by the encoder";
  EXPECT_FALSE(decode_reactions(std::string("\x01\x02\x00", 3))) << "an empty reaction is never stored";
}

}  // namespace
}  // namespace iris::store::detail
