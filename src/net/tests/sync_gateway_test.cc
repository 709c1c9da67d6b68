#include "net/sync_gateway.h"

#include <gtest/gtest.h>

#include <map>

#include "mqtt/auth.h"
#include "store/memory/memory_queue_store.h"
#include "wire/codec.h"

namespace iris::net {
namespace {

using mqtt::ReasonCode;
using wire::ErrorCode;

// Every wire::ErrorCode there is, as the wire decoder knows them: an Error carrying code v
// is decodable exactly when v is an enumerator (wire/convert.cc refuses any other value), so
// a code added to the protocol shows up here without editing this test.
std::vector<ErrorCode> every_error_code() {
  const std::string probe = wire::encode(wire::Message{wire::Error{std::nullopt, ErrorCode::internal, "", std::nullopt}});
  // The code is a compact i32: zigzag varint, 8 -> 0x10, the only such byte in the probe.
  const auto at = probe.find('\x10');
  EXPECT_NE(at, std::string::npos);
  EXPECT_EQ(probe.find('\x10', at + 1), std::string::npos);
  std::vector<ErrorCode> out;
  for (int v = 1; v < 64; ++v) {  // one-byte zigzag varints
    std::string bytes = probe;
    bytes[at] = static_cast<char>(2 * v);
    auto m = wire::decode<wire::Message>(bytes);
    if (m) out.push_back(std::get<wire::Error>(*m).code);
  }
  return out;
}

TEST(SyncGateway, MapsEveryWireErrorCodeToAPubackReason) {
  const std::map<ErrorCode, ReasonCode> expected = {
      {ErrorCode::not_participant, ReasonCode::not_authorized},
      {ErrorCode::forbidden, ReasonCode::not_authorized},
      {ErrorCode::unknown_thread, ReasonCode::not_authorized},
      {ErrorCode::too_large, ReasonCode::quota_exceeded},
      {ErrorCode::queue_full, ReasonCode::quota_exceeded},
      {ErrorCode::rate_limited, ReasonCode::quota_exceeded},
      {ErrorCode::bad_encoding, ReasonCode::payload_format_invalid},
      {ErrorCode::invalid_request, ReasonCode::implementation_specific_error},
      {ErrorCode::unknown_message, ReasonCode::implementation_specific_error},
      {ErrorCode::too_late, ReasonCode::not_authorized},
      {ErrorCode::not_accepted, ReasonCode::not_authorized},
      {ErrorCode::unavailable, ReasonCode::unspecified_error},
      {ErrorCode::internal, ReasonCode::unspecified_error},
  };
  const auto all = every_error_code();
  EXPECT_EQ(all.size(), expected.size());
  for (ErrorCode code : all) {
    const auto it = expected.find(code);
    ASSERT_NE(it, expected.end()) << "wire::ErrorCode " << static_cast<int>(code)
                                  << " is new: map it in puback_reason and list it here";
    EXPECT_EQ(puback_reason(code), it->second) << static_cast<int>(code);
    EXPECT_TRUE(mqtt::is_failure(puback_reason(code))) << "a refusal is never acknowledged as success";
  }
}

TEST(SyncGateway, TellsAJsonPayloadFromACompactOne) {
  EXPECT_EQ(encoding_of(R"({"resume_request":{}})"), sync::Encoding::json);
  EXPECT_EQ(encoding_of(wire::encode(wire::Message{wire::Heartbeat{}})), sync::Encoding::thrift_compact);
  EXPECT_EQ(encoding_of(""), sync::Encoding::thrift_compact);
}

// A broker and one shard's sync service over the in-memory store, joined by a gateway that
// owns users 1 and 2 (not 3); store completions run when run() is called.
class GatewayMembership : public ::testing::Test, public sync::ShardRouter {
 protected:
  GatewayMembership() {
    auto sync = std::make_unique<sync::SyncShard>(0, options_, *store_, *this, gateway_, [] {
      return core::Timestamp{std::chrono::milliseconds{1'800'000'000'000}};
    });
    sync_ = sync.get();
    gateway_.attach(std::move(sync));
  }
  void to_owner(core::UserId, std::function<void(sync::SyncShard&)> fn) override { tasks_.push_back(std::move(fn)); }
  void to_shard(std::uint32_t, std::function<void(sync::SyncShard&)> fn) override { tasks_.push_back(std::move(fn)); }
  void run() {
    while (!tasks_.empty()) {
      auto fn = std::move(tasks_.front());
      tasks_.erase(tasks_.begin());
      fn(*sync_);
    }
  }
  // Ann (1) creates a thread with Bob (2); its id.
  core::ThreadId create_thread() {
    std::optional<core::ThreadId> thread;
    sync_->request(core::UserId{1}, wire::Message{wire::CreateThreadRequest{core::ClientMsgId{1, 1}, "t", {core::UserId{2}}}},
                   [&](sync::SyncShard::Outcome o) { thread = std::get<wire::SendResult>(o).thread; });
    run();
    EXPECT_TRUE(thread);
    return thread.value_or(core::ThreadId{});
  }

  mqtt::MqttOptions mqtt_options_;
  mqtt::AllowAll allow_;
  mqtt::Broker broker_{mqtt_options_, allow_, allow_};
  SyncGateway gateway_{broker_, [](core::UserId u) { return u != core::UserId{3}; }};
  sync::SyncOptions options_;
  std::unique_ptr<store::QueueStore> store_ = store::make_memory_queue_store();
  sync::SyncShard* sync_ = nullptr;
  std::vector<std::function<void(sync::SyncShard&)>> tasks_;
};

TEST_F(GatewayMembership, AnswersFromTheInboxMadeResidentAtConnectWithoutReadingTheStore) {
  const core::ThreadId t = create_thread();
  const std::string thread = std::to_string(t.value());
  // Bob has not connected: his inbox was never loaded, and the authorizer does not load it.
  EXPECT_FALSE(gateway_.is_participant("2", thread));
  gateway_.on_accepted("2");
  EXPECT_TRUE(gateway_.is_participant("2", thread));
  EXPECT_TRUE(gateway_.is_participant("1", thread)) << "the creator's inbox is resident since its request";
  EXPECT_FALSE(gateway_.is_participant("2", "999")) << "not a thread of his";
}

TEST_F(GatewayMembership, SaysNoForAUserItDoesNotOwnOrThatIsNoIrisUser) {
  const std::string thread = std::to_string(create_thread().value());
  gateway_.on_accepted("3");
  EXPECT_FALSE(gateway_.is_participant("3", thread));
  gateway_.on_accepted("anonymous");
  EXPECT_FALSE(gateway_.is_participant("anonymous", thread));
  EXPECT_FALSE(gateway_.is_participant("01", thread)) << "only the canonical spelling of an id";
}

TEST(SyncGatewayAlone, SaysNoWithoutASyncService) {
  mqtt::MqttOptions options;
  mqtt::AllowAll allow;
  mqtt::Broker broker(options, allow, allow);
  SyncGateway gateway(broker, [](core::UserId) { return true; });
  gateway.on_accepted("1");
  EXPECT_FALSE(gateway.is_participant("1", "2"));
}

}  // namespace
}  // namespace iris::net
