// The two encodings carry the same information: Thrift -> core -> JSON -> core -> Thrift
// gives back the very same bytes, for every sample message and for random ones.

#include <gtest/gtest.h>

#include "wire/codec.h"
#include "wire/json_codec.h"
#include "wire/tests/sample_messages.h"

namespace iris::wire {
namespace {

template <typename M>
void expect_thrift_json_thrift_identical(const M& original, const std::string& what) {
  const std::string thrift = encode(original);
  auto from_thrift = decode<M>(thrift);
  ASSERT_TRUE(from_thrift) << what;
  auto from_json = decode_json<M>(encode_json(*from_thrift));
  ASSERT_TRUE(from_json) << what << ": " << from_json.error().message();
  EXPECT_EQ(encode(*from_json), thrift) << what;
}

TEST(WireCrossCheck, ThriftToJsonToThriftIsByteIdenticalForEverySample) {
  for (const Message& m : testing::sample_messages()) {
    expect_thrift_json_thrift_identical(m, testing::name_of(m));
    std::visit([&](const auto& alt) { expect_thrift_json_thrift_identical(alt, testing::name_of(m)); },
               m);
  }
}

TEST(WireCrossCheck, ThriftToJsonToThriftIsByteIdenticalForRandomMessages) {
  std::mt19937_64 rng(44);
  for (int i = 0; i < 3000; ++i) {
    const Message m = testing::random_message(rng);
    expect_thrift_json_thrift_identical(m, testing::name_of(m));
  }
}

}  // namespace
}  // namespace iris::wire
