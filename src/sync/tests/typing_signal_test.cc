#include "sync/typing_signal.h"

#include <gtest/gtest.h>

#include "sync/errc.h"
#include "wire/codec.h"
#include "wire/errc.h"
#include "wire/json_codec.h"

namespace iris::sync {
namespace {

using core::ThreadId;
using core::UserId;

TEST(TypingSignal, StampsThePublisherOverWhateverTheDeviceClaimed) {
  const std::string json = R"({"typing":{"thread":"7","user":"999","active":true}})";
  auto t = accept_typing(json, UserId{2}, ThreadId{7});
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(*t, (wire::Typing{ThreadId{7}, UserId{2}, true}));
}

TEST(TypingSignal, AcceptsCompactAndBareStructsInBothEncodings) {
  const wire::Typing sent{ThreadId{7}, UserId{0}, false};
  const wire::Typing want{ThreadId{7}, UserId{2}, false};
  for (const std::string& payload :
       {wire::encode(wire::Message{sent}), wire::encode(sent), wire::encode_json(sent)}) {
    auto t = accept_typing(payload, UserId{2}, ThreadId{7});
    ASSERT_TRUE(t) << t.error().message();
    EXPECT_EQ(*t, want);
  }
}

TEST(TypingSignal, RefusesAnotherThreadThanTheTopicsAndOtherMessages) {
  EXPECT_EQ(accept_typing(R"({"typing":{"thread":"8","active":true}})", UserId{2}, ThreadId{7})
                .error(),
            errc::invalid_request);
  EXPECT_EQ(accept_typing(wire::encode(wire::Message{wire::Ack{}}), UserId{2}, ThreadId{7}).error(),
            errc::invalid_request);
}

TEST(TypingSignal, RefusesWhatDoesNotDecode) {
  EXPECT_FALSE(accept_typing("{\"typing\":", UserId{2}, ThreadId{7}));
  EXPECT_FALSE(accept_typing("", UserId{2}, ThreadId{7}));
  EXPECT_EQ(accept_typing(std::string("\x15\x0e", 2), UserId{2}, ThreadId{7}).error().category(),
            wire::error_category());
}

}  // namespace
}  // namespace iris::sync
