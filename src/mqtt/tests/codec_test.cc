#include "mqtt/decoder.h"
#include "mqtt/encoder.h"

#include <gtest/gtest.h>

#include <random>

#include "mqtt/tests/test_util.h"

namespace iris::mqtt {
namespace {

using test::decode_one;
using test::err;

// --- byte sequences from the specifications and from real clients ---

TEST(Connect, DecodesSpec311VariableHeaderExample) {
  // MQTT 3.1.1 §3.1.2.10, Figure 3.6 (variable header), with a payload added.
  const Bytes bytes = {
      0x10, 0x1A,                    // CONNECT, remaining length 26
      0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name
      0x04,                          // protocol level 4 (3.1.1)
      0xCE,                          // user name, password, will QoS 1, will, clean session
      0x00, 0x0A,                    // keep alive 10 s
      0x00, 0x01, 'c',               // client id "c"
      0x00, 0x01, 'w',               // will topic "w"
      0x00, 0x01, 'x',               // will payload "x"
      0x00, 0x01, 'u',               // user name "u"
      0x00, 0x02, 'p', 'w',          // password "pw"
  };
  auto p = decode_one(bytes, std::nullopt);
  ASSERT_TRUE(p) << p.error().message();
  const auto& c = std::get<Connect>(*p);
  EXPECT_EQ(c.version, Version::v3_1_1);
  EXPECT_TRUE(c.clean_start);
  EXPECT_EQ(c.keep_alive, 10);
  EXPECT_EQ(c.client_id, "c");
  ASSERT_TRUE(c.will);
  EXPECT_EQ(c.will->topic, "w");
  EXPECT_EQ(c.will->payload.view(), "x");
  EXPECT_EQ(c.will->qos, QoS::at_least_once);
  EXPECT_FALSE(c.will->retain);
  EXPECT_EQ(c.username, "u");
  EXPECT_EQ(c.password, "pw");
  EXPECT_EQ(encode(c, Version::v3_1_1), bytes);
}

TEST(Connect, DecodesMosquittoPubV5Capture) {
  // mosquitto_pub -V mqttv5 -i pub5 -q 1 -k 30 (mosquitto 2.0), captured on the wire.
  const Bytes bytes = {
      0x10, 0x14,                    // CONNECT, remaining length 20
      0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name
      0x05,                          // protocol level 5
      0x02,                          // clean start
      0x00, 0x1E,                    // keep alive 30 s
      0x03,                          // property length 3
      0x21, 0x00, 0x14,              // receive maximum 20
      0x00, 0x04, 'p', 'u', 'b', '5',  // client id
  };
  auto p = decode_one(bytes, std::nullopt);
  ASSERT_TRUE(p) << p.error().message();
  const auto& c = std::get<Connect>(*p);
  EXPECT_EQ(c.version, Version::v5);
  EXPECT_TRUE(c.clean_start);
  EXPECT_EQ(c.keep_alive, 30);
  EXPECT_EQ(c.props.receive_maximum, 20);
  EXPECT_EQ(c.client_id, "pub5");
  EXPECT_FALSE(c.will || c.username || c.password);
  EXPECT_EQ(encode(c, Version::v5), bytes);
}

TEST(Connect, DecodesMosquittoPub311CaptureWithWillAndCredentials) {
  // mosquitto_pub -V mqttv311 -i pub3 -u alice -P secret --will-topic w/t
  //   --will-payload bye --will-qos 1
  const Bytes bytes = {
      0x10, 0x29,                                // CONNECT, remaining length 41
      0x00, 0x04, 'M', 'Q', 'T', 'T',            // protocol name
      0x04,                                      // level 4
      0xCE,                                      // user, password, will QoS 1, will, clean
      0x00, 0x3C,                                // keep alive 60 s
      0x00, 0x04, 'p', 'u', 'b', '3',            // client id
      0x00, 0x03, 'w', '/', 't',                 // will topic
      0x00, 0x03, 'b', 'y', 'e',                 // will payload
      0x00, 0x05, 'a', 'l', 'i', 'c', 'e',       // user name
      0x00, 0x06, 's', 'e', 'c', 'r', 'e', 't',  // password
  };
  auto p = decode_one(bytes, std::nullopt);
  ASSERT_TRUE(p) << p.error().message();
  const auto& c = std::get<Connect>(*p);
  EXPECT_EQ(c.will->topic, "w/t");
  EXPECT_EQ(c.will->payload.view(), "bye");
  EXPECT_EQ(c.username, "alice");
  EXPECT_EQ(c.password, "secret");
  EXPECT_EQ(encode(c, Version::v3_1_1), bytes);
}

TEST(Publish, DecodesMosquittoPubV5CaptureAfterConnect) {
  // mosquitto_pub -V mqttv5 -q 1 -t a/b -m hi -D publish user-property k v: the CONNECT and
  // the PUBLISH arrive in one read.
  const Bytes bytes = {
      0x10, 0x14, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3C,  // CONNECT ...
      0x03, 0x21, 0x00, 0x14, 0x00, 0x04, 'p', 'u', 'b', '5',              // ... 20 bytes
      0x32, 0x11,                   // PUBLISH QoS 1, remaining length 17
      0x00, 0x03, 'a', '/', 'b',    // topic "a/b"
      0x00, 0x01,                   // packet id 1
      0x07,                         // property length 7
      0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // user property k=v
      'h', 'i',                     // payload
  };
  Decoder d(256 * 1024);
  d.put(bytes);
  auto first = d.next();
  ASSERT_TRUE(first && *first);
  EXPECT_TRUE(std::holds_alternative<Connect>(**first));
  EXPECT_EQ(d.version(), Version::v5);
  auto second = d.next();
  ASSERT_TRUE(second && *second) << (second ? "need more" : second.error().message());
  const auto& p = std::get<Publish>(**second);
  EXPECT_EQ(p.qos, QoS::at_least_once);
  EXPECT_FALSE(p.dup || p.retain);
  EXPECT_EQ(p.topic, "a/b");
  EXPECT_EQ(p.packet_id, 1);
  ASSERT_EQ(p.props.user_properties.size(), 1u);
  EXPECT_EQ(p.props.user_properties[0], (UserProperty{"k", "v"}));
  EXPECT_EQ(p.payload.view(), "hi");
  auto none = d.next();
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  EXPECT_EQ(encode(p, Version::v5), Bytes(bytes.begin() + 22, bytes.end()));
}

TEST(Subscribe, DecodesMosquittoSubV5Capture) {
  // mosquitto_sub -V mqttv5 -q 2 -t 'a/+' -t 'x/#' -D subscribe subscription-identifier 7
  const Bytes bytes = {
      0x82, 0x11,                  // SUBSCRIBE (flags 0b0010), remaining length 17
      0x00, 0x01,                  // packet id 1
      0x02,                        // property length 2
      0x0B, 0x07,                  // subscription identifier 7
      0x00, 0x03, 'a', '/', '+',   // filter "a/+"
      0x02,                        // options: QoS 2
      0x00, 0x03, 'x', '/', '#',   // filter "x/#"
      0x02,                        // options: QoS 2
  };
  auto p = decode_one(bytes);
  ASSERT_TRUE(p) << p.error().message();
  const auto& s = std::get<Subscribe>(*p);
  EXPECT_EQ(s.packet_id, 1);
  EXPECT_EQ(s.props.subscription_identifiers, std::vector<std::uint32_t>{7});
  ASSERT_EQ(s.subscriptions.size(), 2u);
  EXPECT_EQ(s.subscriptions[0].filter, "a/+");
  EXPECT_EQ(s.subscriptions[0].options.max_qos, QoS::exactly_once);
  EXPECT_EQ(s.subscriptions[1].filter, "x/#");
  EXPECT_EQ(encode(s, Version::v5), bytes);
}

TEST(Subscribe, DecodesMosquittoSub311Capture) {
  // mosquitto_sub -V mqttv311 -q 1 -t 'a/+'
  const Bytes bytes = {
      0x82, 0x08,                 // SUBSCRIBE, remaining length 8
      0x00, 0x01,                 // packet id 1
      0x00, 0x03, 'a', '/', '+',  // filter
      0x01,                       // requested QoS 1
  };
  auto p = decode_one(bytes, Version::v3_1_1);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(std::get<Subscribe>(*p).subscriptions[0].options.max_qos, QoS::at_least_once);
  EXPECT_EQ(encode(*p, Version::v3_1_1), bytes);
}

// --- encoder byte layouts ---

TEST(Connack, EncodesBothVersions) {
  EXPECT_EQ(encode(Connack{}, Version::v5),
            (Bytes{0x20, 0x03,  // CONNACK, remaining length 3
                   0x00,        // session present 0
                   0x00,        // reason: success
                   0x00}));     // property length 0
  EXPECT_EQ(encode(Connack{true, ReasonCode::success, {}}, Version::v3_1_1),
            (Bytes{0x20, 0x02, 0x01, 0x00}));  // session present, accepted
  // 3.1.1 §3.2.2.3: "not authorized" is return code 5.
  EXPECT_EQ(encode(Connack{false, ReasonCode::not_authorized, {}}, Version::v3_1_1),
            (Bytes{0x20, 0x02, 0x00, 0x05}));
}

TEST(PubAck, OmitsSuccessReasonAndEmptyProperties) {
  EXPECT_EQ(encode(PubAck{7, ReasonCode::success, {}}, Version::v5),
            (Bytes{0x40, 0x02, 0x00, 0x07}));  // PUBACK, length 2, packet id 7
  EXPECT_EQ(encode(PubAck{7, ReasonCode::no_matching_subscribers, {}}, Version::v5),
            (Bytes{0x40, 0x03, 0x00, 0x07, 0x10}));  // ... reason 0x10, no property length
  EXPECT_EQ(encode(PubRel{7, ReasonCode::success, {}}, Version::v5),
            (Bytes{0x62, 0x02, 0x00, 0x07}));  // PUBREL carries flags 0b0010
}

TEST(Disconnect, EncodesMalformedPacketReason) {
  EXPECT_EQ(encode(Disconnect{ReasonCode::malformed_packet, {}}, Version::v5),
            (Bytes{0xE0, 0x01, 0x81}));
  EXPECT_EQ(encode(Disconnect{}, Version::v5), (Bytes{0xE0, 0x00}));
  EXPECT_EQ(encode(Disconnect{ReasonCode::session_taken_over, {}}, Version::v3_1_1),
            (Bytes{0xE0, 0x00}));
}

TEST(Suback, Writes311FailuresAs0x80) {
  Suback s{3, {}, {ReasonCode::granted_qos_1, ReasonCode::quota_exceeded}};
  EXPECT_EQ(encode(s, Version::v3_1_1), (Bytes{0x90, 0x04, 0x00, 0x03, 0x01, 0x80}));
  EXPECT_EQ(encode(s, Version::v5), (Bytes{0x90, 0x05, 0x00, 0x03, 0x00, 0x01, 0x97}));
}

TEST(Ping, EncodesTwoBytes) {
  EXPECT_EQ(encode(PingReq{}, Version::v5), (Bytes{0xC0, 0x00}));
  EXPECT_EQ(encode(PingResp{}, Version::v3_1_1), (Bytes{0xD0, 0x00}));
}

// --- incremental decoding, truncation and limits ---

const Bytes kConnectV5 = {0x10, 0x14, 0x00, 0x04, 'M',  'Q',  'T', 'T', 0x05, 0x02, 0x00,
                          0x3C, 0x03, 0x21, 0x00, 0x14, 0x00, 0x04, 'p', 'u',  'b',  '5'};

TEST(Decoder, DecodesOneByteAtATime) {
  Bytes stream = kConnectV5;
  const Bytes pub = encode(Publish{false, QoS::exactly_once, true, "x/y", 9, {}, Payload("z")},
                           Version::v5);
  stream.insert(stream.end(), pub.begin(), pub.end());
  Decoder d(256 * 1024);
  std::vector<Packet> out;
  for (const std::uint8_t b : stream) {
    d.put(std::span(&b, 1));
    while (true) {
      auto r = d.next();
      ASSERT_TRUE(r) << r.error().message();
      if (!*r) break;
      out.push_back(std::move(**r));
    }
  }
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<Publish>(out[1]).topic, "x/y");
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(Decoder, EveryProperPrefixNeedsMore) {
  for (std::size_t n = 0; n < kConnectV5.size(); ++n) {
    Decoder d(256 * 1024);
    d.put(std::span(kConnectV5.data(), n));
    auto r = d.next();
    ASSERT_TRUE(r) << n;
    EXPECT_FALSE(*r) << n;
  }
}

TEST(Decoder, RejectsRemainingLengthOverLimitBeforeTheBodyArrives) {
  Decoder d(256 * 1024, Version::v5);
  // PUBLISH with remaining length 0x80 0x80 0x40 = 1 MiB; only the fixed header is sent.
  d.put(Bytes{0x30, 0x80, 0x80, 0x40});
  auto r = d.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), err(errc::packet_too_large));
  EXPECT_LE(d.buffered(), 4u);
}

TEST(Decoder, LimitCountsTheFixedHeader) {
  const Bytes ping = {0xC0, 0x00};
  Decoder exact(2, Version::v5);
  exact.put(ping);
  EXPECT_TRUE(exact.next());
  Decoder small(1, Version::v5);
  small.put(ping);
  EXPECT_EQ(small.next().error(), err(errc::packet_too_large));
}

TEST(Decoder, RejectsFiveByteRemainingLength) {
  Decoder d(~0u, Version::v5);
  d.put(Bytes{0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01});
  EXPECT_EQ(d.next().error(), err(errc::malformed_variable_integer));
}

TEST(Decoder, RejectsNonMinimalRemainingLength) {
  Decoder d(~0u, Version::v5);
  d.put(Bytes{0xC0, 0x80, 0x00});  // 0 written in two bytes (MQTT-1.5.5-1)
  EXPECT_EQ(d.next().error(), err(errc::malformed_variable_integer));
}

TEST(Decoder, RejectsAnythingButConnectFirst) {
  EXPECT_EQ(decode_one({0xC0, 0x00}, std::nullopt).error(), err(errc::first_packet_not_connect));
}

TEST(Decoder, RejectsReservedPacketTypes) {
  EXPECT_EQ(decode_one({0x00, 0x00}).error(), err(errc::invalid_packet_type));
  // Type 15 is AUTH on 5.0 and reserved on 3.1.1.
  EXPECT_TRUE(decode_one({0xF0, 0x00}));
  EXPECT_EQ(decode_one({0xF0, 0x00}, Version::v3_1_1).error(), err(errc::invalid_packet_type));
}

TEST(Decoder, ErrorsAreSticky) {
  Decoder d(1024, Version::v5);
  d.put(Bytes{0x00, 0x00});
  EXPECT_FALSE(d.next());
  d.put(Bytes{0xC0, 0x00});
  EXPECT_EQ(d.next().error(), err(errc::invalid_packet_type));
}

TEST(Decoder, ReleasesLargeBufferWhenIdle) {
  Decoder d(1 << 20, Version::v5);
  const Bytes big =
      encode(Publish{false, QoS::at_most_once, false, "t", 0, {}, Payload(std::string(100000, 'x'))},
             Version::v5);
  d.put(big);
  ASSERT_TRUE(d.next());
  ASSERT_TRUE(d.next());  // need more: compacts
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(Decoder, RemainingLengthRoundTripsAtEncodingBoundaries) {
  // Remaining lengths 0, 127, 128, 16383, 16384, 2097151, 2097152 (MQTT 5.0 §1.5.5 table).
  for (const std::size_t remaining : {127u, 128u, 16383u, 16384u, 2097151u, 2097152u}) {
    const std::size_t overhead = 2 + 1 + 1;  // topic length + "t" + property length
    Publish p{false, QoS::at_most_once, false, "t", 0, {}, Payload(std::string(remaining - overhead, 'p'))};
    const Bytes bytes = encode(p, Version::v5);
    auto back = decode_one(bytes);
    ASSERT_TRUE(back) << remaining << ": " << back.error().message();
    EXPECT_EQ(std::get<Publish>(*back), p);
  }
}

// --- CONNECT validation (MQTT 5.0 §3.1.2) ---

Bytes connect_with(std::uint8_t level, std::uint8_t flags, Bytes payload,
                   std::string_view name = "MQTT") {
  Bytes body = {0x00, static_cast<std::uint8_t>(name.size())};
  body.insert(body.end(), name.begin(), name.end());
  body.push_back(level);
  body.push_back(flags);
  body.push_back(0x00);
  body.push_back(0x3C);  // keep alive
  if (level == 5) body.push_back(0x00);  // property length
  body.insert(body.end(), payload.begin(), payload.end());
  Bytes out = {0x10, static_cast<std::uint8_t>(body.size())};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}
const Bytes kClientIdC = {0x00, 0x01, 'c'};

TEST(Connect, RejectsUnknownProtocolName) {
  EXPECT_EQ(decode_one(connect_with(4, 0x02, kClientIdC, "MQTX"), std::nullopt).error(),
            err(errc::invalid_protocol_name));
}

TEST(Connect, AnswersMqtt31AndLevel6AsUnsupportedVersion) {
  EXPECT_EQ(decode_one(connect_with(3, 0x02, kClientIdC, "MQIsdp"), std::nullopt).error(),
            err(errc::unsupported_protocol_version));
  EXPECT_EQ(decode_one(connect_with(6, 0x02, kClientIdC), std::nullopt).error(),
            err(errc::unsupported_protocol_version));
}

TEST(Connect, RejectsReservedFlagBit) {
  EXPECT_EQ(decode_one(connect_with(4, 0x03, kClientIdC), std::nullopt).error(),
            err(errc::invalid_connect_flags));
}

TEST(Connect, RejectsWillQosOrRetainWithoutWill) {
  EXPECT_EQ(decode_one(connect_with(4, 0x0A, kClientIdC), std::nullopt).error(),
            err(errc::invalid_connect_flags));
  EXPECT_EQ(decode_one(connect_with(4, 0x22, kClientIdC), std::nullopt).error(),
            err(errc::invalid_connect_flags));
}

TEST(Connect, RejectsWillQos3) {
  EXPECT_EQ(decode_one(connect_with(4, 0x1E, kClientIdC), std::nullopt).error(),
            err(errc::invalid_qos));
}

TEST(Connect, PasswordWithoutUserNameIsAnErrorOnlyOn311) {
  Bytes payload = kClientIdC;
  payload.insert(payload.end(), {0x00, 0x01, 'p'});
  EXPECT_EQ(decode_one(connect_with(4, 0x42, payload), std::nullopt).error(),
            err(errc::invalid_connect_flags));
  auto v5 = decode_one(connect_with(5, 0x42, payload), std::nullopt);
  ASSERT_TRUE(v5) << v5.error().message();
  EXPECT_EQ(std::get<Connect>(*v5).password, "p");
}

TEST(Connect, RejectsInvalidUtf8ClientId) {
  EXPECT_EQ(decode_one(connect_with(4, 0x02, {0x00, 0x02, 0xC0, 0xAF}), std::nullopt).error(),
            err(errc::invalid_utf8));
}

TEST(Connect, RejectsWildcardWillTopic) {
  Bytes payload = kClientIdC;
  payload.insert(payload.end(), {0x00, 0x01, '#', 0x00, 0x00});
  EXPECT_EQ(decode_one(connect_with(4, 0x06, payload), std::nullopt).error(),
            err(errc::invalid_topic_name));
}

TEST(Connect, RejectsTruncatedPayloadAndTrailingBytes) {
  EXPECT_EQ(decode_one(connect_with(4, 0x82, kClientIdC), std::nullopt).error(),
            err(errc::truncated_packet));  // user name flag but no user name
  Bytes extra = kClientIdC;
  extra.push_back(0x00);
  EXPECT_EQ(decode_one(connect_with(4, 0x02, extra), std::nullopt).error(),
            err(errc::trailing_bytes));
}

TEST(Connect, DecoderKnowsTheVersionOfAMalformedConnect) {
  Decoder d(1024);
  d.put(connect_with(5, 0x03, kClientIdC));
  EXPECT_FALSE(d.next());
  EXPECT_EQ(d.version(), Version::v5);
}

// --- PUBLISH validation (MQTT 5.0 §3.3) ---

TEST(Publish, RejectsQos3) {
  EXPECT_EQ(decode_one({0x36, 0x05, 0x00, 0x01, 't', 0x00, 0x01}).error(), err(errc::invalid_qos));
}

TEST(Publish, RejectsDupOnQos0) {
  EXPECT_EQ(decode_one({0x38, 0x04, 0x00, 0x01, 't', 0x00}).error(), err(errc::dup_on_qos0));
}

TEST(Publish, RejectsPacketIdZero) {
  EXPECT_EQ(decode_one({0x32, 0x06, 0x00, 0x01, 't', 0x00, 0x00, 0x00}).error(),
            err(errc::invalid_packet_id));
}

TEST(Publish, RejectsWildcardTopicName) {
  EXPECT_EQ(decode_one({0x30, 0x04, 0x00, 0x01, '+', 0x00}).error(),
            err(errc::invalid_topic_name));
  EXPECT_EQ(decode_one({0x30, 0x03, 0x00, 0x01, '#'}, Version::v3_1_1).error(),
            err(errc::invalid_topic_name));
}

TEST(Publish, EmptyTopicNeedsATopicAlias) {
  EXPECT_EQ(decode_one({0x30, 0x03, 0x00, 0x00, 0x00}).error(), err(errc::invalid_topic_name));
  EXPECT_EQ(decode_one({0x30, 0x02, 0x00, 0x00}, Version::v3_1_1).error(),
            err(errc::invalid_topic_name));
  auto p = decode_one({0x30, 0x06,   // PUBLISH QoS 0, remaining length 6
                       0x00, 0x00,   // empty topic
                       0x03,         // property length 3
                       0x23, 0x00, 0x05});  // topic alias 5
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(std::get<Publish>(*p).props.topic_alias, 5);
}

TEST(Publish, PayloadMayBeEmpty) {
  auto p = decode_one({0x31, 0x04, 0x00, 0x01, 't', 0x00});  // retained, empty payload
  ASSERT_TRUE(p);
  EXPECT_TRUE(std::get<Publish>(*p).retain);
  EXPECT_TRUE(std::get<Publish>(*p).payload.empty());
}

// --- fixed header flags (MQTT 5.0 §2.1.3) ---

TEST(FixedHeader, RejectsWrongReservedFlags) {
  EXPECT_EQ(decode_one({0x60, 0x02, 0x00, 0x01}).error(), err(errc::invalid_fixed_header_flags));
  EXPECT_EQ(decode_one({0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 't', 0x00}, Version::v3_1_1).error(),
            err(errc::invalid_fixed_header_flags));
  EXPECT_EQ(decode_one({0xC1, 0x00}).error(), err(errc::invalid_fixed_header_flags));
  EXPECT_EQ(decode_one({0x42, 0x02, 0x00, 0x01}).error(), err(errc::invalid_fixed_header_flags));
}

TEST(Ping, RejectsABody) {
  EXPECT_EQ(decode_one({0xC0, 0x01, 0x00}).error(), err(errc::trailing_bytes));
}

// --- properties (MQTT 5.0 §2.2.2) ---

// A PUBACK for packet id 1 with reason success and the given property bytes.
Bytes puback_with_properties(Bytes props) {
  Bytes out = {0x40, static_cast<std::uint8_t>(4 + props.size()), 0x00, 0x01, 0x00,
               static_cast<std::uint8_t>(props.size())};
  out.insert(out.end(), props.begin(), props.end());
  return out;
}

TEST(Properties, AcceptsReasonStringOnPuback) {
  auto p = decode_one(puback_with_properties({0x1F, 0x00, 0x02, 'o', 'k'}));
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(std::get<PubAck>(*p).props.reason_string, "ok");
}

TEST(Properties, RejectsUnknownIdentifier) {
  EXPECT_EQ(decode_one(puback_with_properties({0x7F, 0x00})).error(),
            err(errc::invalid_property));
}

TEST(Properties, RejectsPropertyNotAllowedInThePacket) {
  // Topic Alias belongs to PUBLISH only.
  EXPECT_EQ(decode_one(puback_with_properties({0x23, 0x00, 0x01})).error(),
            err(errc::invalid_property));
}

TEST(Properties, RejectsDuplicates) {
  EXPECT_EQ(decode_one(puback_with_properties({0x1F, 0x00, 0x00, 0x1F, 0x00, 0x00})).error(),
            err(errc::invalid_property));
}

TEST(Properties, UserPropertiesMayRepeatAndKeepTheirOrder) {
  auto p = decode_one(
      puback_with_properties({0x26, 0x00, 0x01, 'a', 0x00, 0x00, 0x26, 0x00, 0x01, 'a', 0x00,
                              0x01, 'b'}));
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(std::get<PubAck>(*p).props.user_properties,
            (std::vector<UserProperty>{{"a", ""}, {"a", "b"}}));
}

TEST(Properties, RejectsForbiddenValues) {
  auto connect = [](Bytes props) {
    Bytes body = {0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x00,
                  static_cast<std::uint8_t>(props.size())};
    body.insert(body.end(), props.begin(), props.end());
    body.insert(body.end(), {0x00, 0x00});
    Bytes out = {0x10, static_cast<std::uint8_t>(body.size())};
    out.insert(out.end(), body.begin(), body.end());
    return decode_one(out, std::nullopt);
  };
  EXPECT_TRUE(connect({0x21, 0x00, 0x01}));
  EXPECT_EQ(connect({0x21, 0x00, 0x00}).error(), err(errc::invalid_property));  // receive max 0
  EXPECT_EQ(connect({0x27, 0, 0, 0, 0}).error(), err(errc::invalid_property));  // max packet 0
  EXPECT_EQ(connect({0x17, 0x02}).error(), err(errc::invalid_property));  // boolean 2
  EXPECT_EQ(connect({0x11, 0x00}).error(), err(errc::truncated_packet));  // short u32
}

TEST(Properties, PropertyLengthPastTheEndIsTruncation) {
  EXPECT_EQ(decode_one({0x40, 0x04, 0x00, 0x01, 0x00, 0x05}).error(),
            err(errc::truncated_packet));
}

TEST(Properties, SubscriptionIdentifierRules) {
  // SUBSCRIBE packet id 1, properties, filter "t" QoS 0.
  auto subscribe = [](Bytes props) {
    Bytes out = {0x82, static_cast<std::uint8_t>(3 + props.size() + 4), 0x00, 0x01,
                 static_cast<std::uint8_t>(props.size())};
    out.insert(out.end(), props.begin(), props.end());
    out.insert(out.end(), {0x00, 0x01, 't', 0x00});
    return decode_one(out);
  };
  EXPECT_TRUE(subscribe({0x0B, 0xFF, 0xFF, 0xFF, 0x7F}));  // 268435455, the maximum
  EXPECT_EQ(subscribe({0x0B, 0x00}).error(), err(errc::invalid_property));
  EXPECT_EQ(subscribe({0x0B, 0x01, 0x0B, 0x02}).error(), err(errc::invalid_property));
}

// --- SUBSCRIBE / UNSUBSCRIBE / acks ---

TEST(Subscribe, RejectsEmptyList) {
  EXPECT_EQ(decode_one({0x82, 0x03, 0x00, 0x01, 0x00}).error(),
            err(errc::empty_subscription_list));
  EXPECT_EQ(decode_one({0xA2, 0x02, 0x00, 0x01}, Version::v3_1_1).error(),
            err(errc::empty_subscription_list));
}

TEST(Subscribe, RejectsReservedOptionBitsAndRetainHandling3) {
  const auto with_options = [](std::uint8_t o, Version v) {
    Bytes out = {0x82, 0x00, 0x00, 0x01};
    if (v == Version::v5) out.push_back(0x00);
    out.insert(out.end(), {0x00, 0x01, 't', o});
    out[1] = static_cast<std::uint8_t>(out.size() - 2);
    return decode_one(out, v);
  };
  EXPECT_TRUE(with_options(0x2E, Version::v5));  // retain handling 2, as published, no local, QoS 2
  EXPECT_EQ(with_options(0x04, Version::v3_1_1).error(), err(errc::invalid_subscription_options));
  EXPECT_EQ(with_options(0x40, Version::v5).error(), err(errc::invalid_subscription_options));
  EXPECT_EQ(with_options(0x30, Version::v5).error(), err(errc::invalid_subscription_options));
  EXPECT_EQ(with_options(0x03, Version::v5).error(), err(errc::invalid_qos));
}

TEST(Subscribe, RejectsInvalidFilters) {
  for (const std::string_view f : {"a/#/b", "a+", "#a", ""}) {
    Bytes out = {0x82, 0x00, 0x00, 0x01, 0x00, 0x00};
    out.insert(out.end(), f.begin(), f.end());
    out.push_back(0x00);
    out[1] = static_cast<std::uint8_t>(out.size() - 2);
    out[5] = static_cast<std::uint8_t>(f.size());
    EXPECT_EQ(decode_one(out, Version::v3_1_1).error(), err(errc::invalid_topic_filter)) << f;
  }
}

TEST(Ack, ShortFormsMeanSuccess) {
  auto p = decode_one({0x50, 0x02, 0x00, 0x09});  // PUBREC id 9, no reason
  ASSERT_TRUE(p);
  EXPECT_EQ(std::get<PubRec>(*p).reason, ReasonCode::success);
  p = decode_one({0x70, 0x03, 0x00, 0x09, 0x92});  // PUBCOMP id 9, id not found
  ASSERT_TRUE(p);
  EXPECT_EQ(std::get<PubComp>(*p).reason, ReasonCode::packet_identifier_not_found);
}

TEST(Ack, RejectsReasonCodeOfAnotherPacketType) {
  EXPECT_EQ(decode_one({0x40, 0x03, 0x00, 0x09, 0x8E}).error(), err(errc::invalid_reason_code));
}

TEST(Ack, RejectsTrailingBytesOn311) {
  EXPECT_EQ(decode_one({0x40, 0x03, 0x00, 0x09, 0x00}, Version::v3_1_1).error(),
            err(errc::trailing_bytes));
}

TEST(Disconnect, EmptyMeansNormalOnV5) {
  auto p = decode_one({0xE0, 0x00});
  ASSERT_TRUE(p);
  EXPECT_EQ(std::get<Disconnect>(*p).reason, ReasonCode::success);
  EXPECT_EQ(decode_one({0xE0, 0x01, 0x00}, Version::v3_1_1).error(), err(errc::trailing_bytes));
}

// --- round trips at min, max and random values ---

std::string random_utf8(std::mt19937& rng, std::size_t max_len) {
  static constexpr std::string_view kPieces[] = {"a", "Z", "/", "9", "\xC3\xA9", "\xE2\x82\xAC",
                                                 "\xF0\x9F\x98\x80", " "};
  std::string s;
  const std::size_t n = std::uniform_int_distribution<std::size_t>(0, max_len)(rng);
  for (std::size_t i = 0; i < n; ++i) s += kPieces[rng() % std::size(kPieces)];
  return s;
}

std::string random_topic(std::mt19937& rng) {
  std::string t = random_utf8(rng, 6);
  return t.empty() ? "t" : t;
}

Properties random_properties(std::mt19937& rng, std::uint32_t where) {
  Properties p;
  const auto coin = [&] { return rng() % 2 == 0; };
  const auto set = [&](auto& field, auto kind) {
    using T = typename std::remove_reference_t<decltype(field)>::value_type;
    if constexpr (std::is_same_v<T, std::string>) {
      field = random_utf8(rng, 5);
    } else if (std::is_same_v<decltype(kind), detail::byte*>) {
      field = static_cast<T>(rng() % 2);
    } else {
      field = static_cast<T>(1 + rng() % std::numeric_limits<T>::max());
    }
  };
#define IRIS_MQTT_RANDOM_PROPERTY(pid, field, kind, allowed, nonzero) \
  if ((where & (allowed)) && coin()) set(p.field, static_cast<detail::kind*>(nullptr));
  IRIS_MQTT_PROPERTIES(IRIS_MQTT_RANDOM_PROPERTY)
#undef IRIS_MQTT_RANDOM_PROPERTY
  if ((where & (property_in::publish | property_in::subscribe)) && coin()) {
    p.subscription_identifiers.push_back(1 + rng() % kMaxSubscriptionIdentifier);
  }
  while (coin()) p.user_properties.push_back({random_utf8(rng, 4), random_utf8(rng, 4)});
  return p;
}

std::vector<Packet> random_packets(std::mt19937& rng, Version v) {
  const bool v5 = v == Version::v5;
  const auto props = [&](PacketType t) {
    return v5 ? random_properties(rng, 1u << static_cast<unsigned>(t)) : Properties{};
  };
  const auto id = [&] { return static_cast<PacketId>(1 + rng() % 65535); };
  const auto qos = [&] { return static_cast<QoS>(rng() % 3); };
  std::vector<Packet> out;
  Connect c;
  c.version = v;
  c.clean_start = rng() % 2;
  c.keep_alive = static_cast<std::uint16_t>(rng());
  c.client_id = random_utf8(rng, 8);
  if (rng() % 2) {
    c.will = Will{random_topic(rng), Payload(random_utf8(rng, 10)), qos(), rng() % 2 == 0,
                  v5 ? random_properties(rng, property_in::will) : Properties{}};
  }
  if (rng() % 2) c.username = random_utf8(rng, 5);
  if (c.username || (v5 && rng() % 2)) c.password = std::string("\0\xFF", 2);
  c.props = props(PacketType::connect);
  out.push_back(c);
  std::vector<ReasonCode> any_rc = {ReasonCode::success};
  out.push_back(Connack{rng() % 2 == 0, ReasonCode::success, props(PacketType::connack)});
  Publish p{false, qos(), rng() % 2 == 0, random_topic(rng), 0, props(PacketType::publish),
            Payload(random_utf8(rng, 30))};
  if (p.qos != QoS::at_most_once) p.packet_id = id(), p.dup = rng() % 2;
  out.push_back(p);
  out.push_back(PubAck{id(), v5 ? ReasonCode::no_matching_subscribers : ReasonCode::success,
                       props(PacketType::puback)});
  out.push_back(PubRec{id(), ReasonCode::success, props(PacketType::pubrec)});
  out.push_back(PubRel{id(), v5 ? ReasonCode::packet_identifier_not_found : ReasonCode::success,
                       props(PacketType::pubrel)});
  out.push_back(PubComp{id(), ReasonCode::success, props(PacketType::pubcomp)});
  Subscribe s{id(), props(PacketType::subscribe), {}};
  if (s.props.subscription_identifiers.size() > 1) s.props.subscription_identifiers.resize(1);
  const int n = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < n; ++i) {
    SubscribeOptions o{qos(), false, false, RetainHandling::send};
    if (v5) {
      o.no_local = rng() % 2;
      o.retain_as_published = rng() % 2;
      o.retain_handling = static_cast<RetainHandling>(rng() % 3);
    }
    s.subscriptions.push_back({rng() % 2 ? random_topic(rng) : "a/+/#", o});
  }
  out.push_back(s);
  out.push_back(Suback{id(), props(PacketType::suback),
                       {ReasonCode::granted_qos_2, ReasonCode::unspecified_error}});
  out.push_back(Unsubscribe{id(), props(PacketType::unsubscribe), {"+", random_topic(rng)}});
  Unsuback ua{id(), props(PacketType::unsuback), {}};
  if (v5) ua.reasons = {ReasonCode::success, ReasonCode::no_subscription_existed};
  out.push_back(ua);
  out.push_back(PingReq{});
  out.push_back(PingResp{});
  out.push_back(v5 ? Disconnect{ReasonCode::disconnect_with_will_message,
                                props(PacketType::disconnect)}
                   : Disconnect{});
  if (v5) out.push_back(Auth{ReasonCode::continue_authentication, props(PacketType::auth)});
  return out;
}

TEST(Codec, RoundTripsRandomPacketsOfEveryTypeInBothVersions) {
  std::mt19937 rng(42);
  for (int iter = 0; iter < 300; ++iter) {
    for (const Version v : {Version::v3_1_1, Version::v5}) {
      for (const Packet& p : random_packets(rng, v)) {
        const Bytes bytes = encode(p, v);
        EXPECT_EQ(bytes.size(), encoded_size(p, v));
        auto back = decode_one(bytes, v);
        ASSERT_TRUE(back) << "type " << static_cast<int>(packet_type(p)) << ": "
                          << back.error().message();
        EXPECT_TRUE(*back == p) << "type " << static_cast<int>(packet_type(p));
      }
    }
  }
}

TEST(Codec, RoundTripsMaximumValues) {
  Connect c;
  c.keep_alive = 65535;
  c.client_id = std::string(65535, 'c');
  c.props.session_expiry_interval = 0xFFFFFFFF;
  c.props.receive_maximum = 65535;
  c.props.maximum_packet_size = 0xFFFFFFFF;
  c.will = Will{std::string(65535, 't'), Payload(std::string(65535, 'p')), QoS::exactly_once,
                true, {}};
  c.will->props.will_delay_interval = 0xFFFFFFFF;
  c.username = std::string(65535, 'u');
  c.password = std::string(65535, '\xFF');
  const Bytes bytes = encode(c, Version::v5);
  auto back = decode_one(bytes, std::nullopt);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_TRUE(*back == Packet(c));

  Publish p{true, QoS::exactly_once, true, std::string(65535, 'x'), 65535, {}, Payload()};
  p.props.subscription_identifiers = {kMaxSubscriptionIdentifier, 1};
  p.props.message_expiry_interval = 0xFFFFFFFF;
  p.props.topic_alias = 65535;
  auto pb = decode_one(encode(p, Version::v5));
  ASSERT_TRUE(pb) << pb.error().message();
  EXPECT_TRUE(*pb == Packet(p));
}

TEST(Codec, RoundTripsMinimumValues) {
  for (const Version v : {Version::v3_1_1, Version::v5}) {
    Connect c;
    c.version = v;
    c.clean_start = false;
    const std::vector<Packet> packets = {c, Connack{}, Publish{false, QoS::at_most_once, false, "t", 0, {}, {}},
                                         PubAck{1, ReasonCode::success, {}}, Disconnect{}};
    for (const Packet& p : packets) {
      auto back = decode_one(encode(p, v), v);
      ASSERT_TRUE(back) << back.error().message();
      EXPECT_TRUE(*back == p);
    }
  }
}

}  // namespace
}  // namespace iris::mqtt
