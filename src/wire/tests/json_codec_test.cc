#include "wire/json_codec.h"

#include <gtest/gtest.h>

#include "wire/errc.h"
#include "wire/tests/sample_messages.h"

namespace iris::wire {
namespace {

using testing::name_of;
using testing::random_message;
using testing::sample_messages;

template <typename M>
void expect_json_round_trip(const M& m, const std::string& what) {
  const std::string json = encode_json(m);
  auto decoded = decode_json<M>(json);
  ASSERT_TRUE(decoded) << what << ": " << decoded.error().message() << "\n" << json;
  EXPECT_EQ(*decoded, m) << what << "\n" << json;
  EXPECT_EQ(encode_json(*decoded), json) << what;
}

TEST(WireJson, RoundTripsEveryMessageAsItsOwnType) {
  for (const Message& m : sample_messages()) {
    std::visit([&](const auto& alt) { expect_json_round_trip(alt, name_of(m)); }, m);
  }
}

TEST(WireJson, RoundTripsEveryMessageInAnEnvelope) {
  for (const Message& m : sample_messages()) expect_json_round_trip(m, name_of(m));
}

TEST(WireJson, RoundTripsRandomMessages) {
  std::mt19937_64 rng(43);
  for (int i = 0; i < 2000; ++i) {
    const Message m = random_message(rng);
    expect_json_round_trip(m, name_of(m));
  }
}

TEST(WireJson, WritesFieldNamesAndIdsAsDecimalStrings) {
  EXPECT_EQ(encode_json(Ack{core::Epoch{~0ull}, core::Seq{7}}),
            R"({"epoch":"18446744073709551615","seq":"7"})");
  EXPECT_EQ(encode_json(Message{ReadRequest{core::ThreadId{1}, core::MessageId{2}}}),
            R"({"read_request":{"thread":"1","up_to":"2"}})");
}

TEST(WireJson, NamesEachEnvelopeMemberAsItsJsonKey) {
  EXPECT_EQ(member_name(Message{Heartbeat{}}), "heartbeat");
  EXPECT_EQ(member_name(Message{DeltaBatch{}}), "delta_batch");
  const std::string json = encode_json(Message{SendResult{}});
  EXPECT_EQ(json.rfind("{\"" + std::string(member_name(Message{SendResult{}})) + "\":", 0), 0u) << json;
}

TEST(WireJson, WritesHeartbeatAndTyping) {
  EXPECT_EQ(encode_json(Message{Heartbeat{core::Epoch{9}, core::Seq{42}}}),
            R"({"heartbeat":{"epoch":"9","head":"42"}})");
  EXPECT_EQ(encode_json(Message{Typing{core::ThreadId{7}, core::UserId{2}, true}}),
            R"({"typing":{"thread":"7","user":"2","active":true}})");
}

TEST(WireJson, WritesThreadPage) {
  const ThreadPage page{core::ThreadId{7},
                        {ThreadMessage{core::MessageId{1}, core::UserId{2},
                                       core::Timestamp{std::chrono::milliseconds{3}}, "a",
                                       core::MessageId{9}}},
                        true};
  const std::string json =
      R"({"thread_page":{"thread":"7","messages":[{"message":"1","sender":"2","time_ms":"3",)"
      R"("text":"a","reply_to":"9"}],"more":true}})";
  EXPECT_EQ(encode_json(Message{page}), json);
  EXPECT_EQ(decode_json<Message>(json), Message{page});
}

TEST(WireJson, WritesAnUpdateWithItsKindAsUnionMember) {
  DeltaBatch b{core::Epoch{9}, core::Seq{1}, core::Seq{1}, {}, false};
  b.updates.push_back(core::Update{core::Seq{1}, core::Timestamp{std::chrono::milliseconds{-5}},
                                   core::ThreadId{2}, core::UserId{3},
                                   core::MessageCreated{core::MessageId{4}, core::ClientMsgId{1, 2},
                                                        "say \"hi\"\n\x01", std::nullopt}});
  EXPECT_EQ(encode_json(b),
            R"({"epoch":"9","first_seq":"1","last_seq":"1","updates":[{"seq":"1","time_ms":"-5",)"
            R"("thread":"2","actor":"3","body":{"message_created":{"message":"4",)"
            R"("client_id":"00000000000000010000000000000002","text":"say \"hi\"\n\u0001"}}}],)"
            R"("folded":false})");
}

TEST(WireJson, WritesEnumsByName) {
  EXPECT_EQ(encode_json(Resync{ResyncReason::temporary, core::Epoch{1}, core::Seq{2},
                               std::chrono::milliseconds{1500}, std::nullopt}),
            R"({"reason":"temporary","epoch":"1","head":"2","retry_after_ms":1500})");
  EXPECT_EQ(encode_json(Error{std::nullopt, ErrorCode::rate_limited, "slow down"}),
            R"({"code":"rate_limited","text":"slow down"})");
  EXPECT_EQ(encode_json(Error{std::nullopt, ErrorCode::rate_limited, "slow down", std::chrono::milliseconds{20}}),
            R"({"code":"rate_limited","text":"slow down","retry_after_ms":20})");
  EXPECT_EQ(encode_json(Error{std::nullopt, ErrorCode::queue_full, ""}), R"({"code":"queue_full","text":""})");
  EXPECT_EQ(encode_json(ResumeRequest{core::Epoch{1}, core::Seq{2}, 0, false, 4}),
            R"({"epoch":"1","last_seq":"2","max_updates":0,"protocol_version":4})");
}

TEST(WireJson, AnOlderReaderSkipsTheVersion4FieldsButNotTheNewCodes) {
  // A version 3 peer ignores retry_after_ms and protocol_version (unknown keys), which is why
  // they go to everyone; a code it does not know fails the whole Error (unknown_kind), which
  // is why queue_full and forbidden go only to peers that said version 4.
  auto e = decode_json<Error>(R"({"code":"rate_limited","text":"","retry_after_ms":20})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->retry_after, std::chrono::milliseconds{20});
  EXPECT_EQ(decode_json<Error>(R"({"code":"no_such_code","text":""})").error(), errc::unknown_kind);
}

TEST(WireJson, AcceptsWhitespaceEscapesAndUnknownKeys) {
  auto r = decode_json<SendRequest>(
      " {\n \"future\": {\"a\": [1, 2.5e3, null, true, \"x\"]},\r\n"
      " \"client_id\" : \"0000000000000001000000000000000A\",\t\"thread\":\"3\","
      " \"body\": \"\\u00e9\\ud83d\\udc4b\\/\\b\\f\\r\\t\" } ");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->client_id, (core::ClientMsgId{1, 10}));
  EXPECT_EQ(r->thread, core::ThreadId{3});
  EXPECT_EQ(r->body, "é👋/\b\f\r\t");
  EXPECT_FALSE(r->reply_to);
}

TEST(WireJson, FillsMissingFieldsWithDefaults) {
  auto r = decode_json<Ack>("{}");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, Ack{});
}

TEST(WireJson, WritesSkipOwnOnlyWhenSet) {
  // Absent means false, so a resume without it reads and writes as before the field existed.
  EXPECT_EQ(encode_json(ResumeRequest{core::Epoch{1}, core::Seq{2}, 0, false}),
            R"({"epoch":"1","last_seq":"2","max_updates":0})");
  EXPECT_EQ(encode_json(ResumeRequest{core::Epoch{1}, core::Seq{2}, 0, true}),
            R"({"epoch":"1","last_seq":"2","max_updates":0,"skip_own":true})");
  EXPECT_FALSE(decode_json<ResumeRequest>(R"({"epoch":"1"})")->skip_own);
  EXPECT_TRUE(decode_json<ResumeRequest>(R"({"skip_own":true})")->skip_own);
}

struct BadCase {
  const char* json;
  errc expected;
};

TEST(WireJson, RejectsWhatIsNotStrictJson) {
  const BadCase cases[] = {
      {"", errc::truncated},
      {"{", errc::truncated},
      {R"({"epoch":"1",})", errc::malformed},         // trailing comma
      {R"({"epoch":"1" "seq":"2"})", errc::malformed},  // missing comma
      {R"({'epoch':"1"})", errc::malformed},           // single quotes
      {R"({"epoch":"1"} x)", errc::malformed},          // trailing garbage
      {R"({"epoch":"1"}{})", errc::malformed},          // two values
      {R"({"epoch":"1"/*c*/})", errc::malformed},       // comment
      {R"({"epoch":"01"})", errc::malformed},           // leading zero in an id
      {R"({"epoch":"-1"})", errc::malformed},           // negative id
      {R"({"epoch":"+1"})", errc::malformed},
      {R"({"epoch":"18446744073709551616"})", errc::malformed},  // 2^64
      {R"({"epoch":1})", errc::malformed},              // id as a number
      {R"({"epoch":null})", errc::malformed},
      {R"({"epoch":"1","epoch":"2"})", errc::malformed},  // repeated key
      {R"({"epoch":"1)", errc::truncated},
      {R"({"x":tru})", errc::malformed},
      {R"({"x":tr)", errc::truncated},
      {R"({"x":01})", errc::malformed},
      {R"({"x":1.})", errc::malformed},
      {R"({"x":-})", errc::malformed},
      {R"({"x":"\q"})", errc::malformed},               // bad escape
      {R"({"x":"\u12G4"})", errc::malformed},
      {"{\"x\":\"a\x01\"}", errc::malformed},            // bare control character
      {"{\"x\":\"\xff\"}", errc::invalid_utf8},
      {"{\"x\":\"\xc0\xaf\"}", errc::invalid_utf8},      // overlong '/'
      {R"({"x":"\ud800"})", errc::invalid_utf8},        // lone surrogate
      {R"({"x":"\udc00\ud800"})", errc::invalid_utf8},
      {"[]", errc::malformed},
  };
  for (const auto& c : cases) {
    auto r = decode_json<Ack>(c.json);
    ASSERT_FALSE(r) << c.json;
    EXPECT_EQ(r.error(), c.expected) << c.json << ": " << r.error().message();
  }
}

TEST(WireJson, RejectsWrongTypesAndOutOfRangeNumbers) {
  EXPECT_EQ(decode_json<ResumeRequest>(R"({"max_updates":"5"})").error(), errc::malformed);
  EXPECT_EQ(decode_json<ResumeRequest>(R"({"skip_own":1})").error(), errc::malformed);
  EXPECT_EQ(decode_json<ResumeRequest>(R"({"max_updates":1.5})").error(), errc::malformed);
  EXPECT_EQ(decode_json<ResumeRequest>(R"({"max_updates":1e3})").error(), errc::malformed);
  EXPECT_EQ(decode_json<ResumeRequest>(R"({"max_updates":2147483648})").error(), errc::malformed);
  EXPECT_EQ(decode_json<ResumeRequest>(R"({"max_updates":-1})").error(), errc::invalid_message);
  EXPECT_EQ(decode_json<ResumeRequest>(R"({"max_updates":2147483647})")->max_updates,
            2147483647u);
  EXPECT_EQ(decode_json<DeltaBatch>(R"({"folded":1})").error(), errc::malformed);
  EXPECT_EQ(decode_json<SendRequest>(R"({"client_id":"00"})").error(), errc::malformed);
}

TEST(WireJson, RejectsUnknownKindsAndEnumNames) {
  EXPECT_EQ(decode_json<Message>(R"({"presence":{}})").error(), errc::unknown_kind);
  EXPECT_EQ(decode_json<Message>(R"({})").error(), errc::unknown_kind);
  EXPECT_EQ(decode_json<Message>(R"({"ack":{},"read_request":{}})").error(), errc::malformed);
  EXPECT_EQ(decode_json<Resync>(R"({"reason":"bored"})").error(), errc::unknown_kind);
  EXPECT_EQ(decode_json<Error>(R"({"code":"oops","text":""})").error(), errc::unknown_kind);
  EXPECT_EQ(decode_json<DeltaBatch>(
                R"({"first_seq":"1","last_seq":"1","updates":[{"seq":"1","body":{"reaction":{}}}]})")
                .error(),
            errc::unknown_kind);
}

TEST(WireJson, EnforcesLimits) {
  Limits small;
  small.max_message_bytes = 64;
  small.max_string_bytes = 8;
  small.max_list_size = 2;
  small.max_depth = 3;
  EXPECT_EQ(decode_json<Ack>(std::string(65, ' '), small).error(), errc::too_large);
  EXPECT_EQ(decode_json<Error>(R"({"text":"abcdefghi"})", small).error(), errc::too_large);
  EXPECT_TRUE(decode_json<Error>(R"({"code":"internal","text":"abcdefgh"})", small));
  EXPECT_EQ(decode_json<CreateThreadRequest>(R"({"participants":["1","2","3"]})", small).error(),
            errc::too_large);
  EXPECT_EQ(decode_json<Ack>(R"({"x":[[[]]]})", small).error(), errc::too_large);
  EXPECT_EQ(decode_json<Ack>(R"({"a":1,"b":2,"c":3})", small).error(), errc::too_large);
}

}  // namespace
}  // namespace iris::wire

namespace iris::wire {
namespace {

TEST(AttachmentJson, SpellsBlobAsHexAndSizeAsADecimalString) {
  SendRequest r{core::ClientMsgId{1, 2}, core::ThreadId{3}, "", std::nullopt,
                {core::Attachment{*core::BlobId::from_hex(std::string(64, 'a')), "image/png", 42, "a.png", 4, 5}}};
  const std::string json = encode_json(Message{r});
  EXPECT_NE(json.find(R"("attachments":[{"blob":")" + std::string(64, 'a') +
                      R"(","content_type":"image/png","size":"42","name":"a.png","width":4,"height":5}])"),
            std::string::npos)
      << json;
}

TEST(AttachmentJson, RefusesABlobIdThatIsNotLowercaseHex) {
  const std::string bad = R"({"send_request":{"client_id":"00000000000000010000000000000002","thread":"3",)"
                          R"("body":"","attachments":[{"blob":")" + std::string(64, 'A') +
                          R"(","content_type":"x/y","size":"1","name":""}]}})";
  EXPECT_FALSE(decode_json<Message>(bad));
}

}  // namespace
}  // namespace iris::wire
