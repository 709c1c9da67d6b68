#include "sync/typing_signal.h"

#include "sync/errc.h"
#include "wire/codec.h"
#include "wire/json_codec.h"

namespace iris::sync {

Result<wire::Typing> accept_typing(std::string_view payload, core::UserId publisher,
                                   core::ThreadId topic_thread) {
  const bool json = !payload.empty() && payload.front() == '{';
  auto envelope = json ? wire::decode_json<wire::Message>(payload) : wire::decode<wire::Message>(payload);
  wire::Typing typing;
  if (envelope) {
    auto* t = std::get_if<wire::Typing>(&*envelope);
    if (!t) return fail(errc::invalid_request);
    typing = *t;
  } else {
    // Not an Envelope: the bare struct, which is all the topic can carry anyway.
    auto bare = json ? wire::decode_json<wire::Typing>(payload) : wire::decode<wire::Typing>(payload);
    if (!bare) return fail(envelope.error());
    typing = *bare;
  }
  if (typing.thread != topic_thread) return fail(errc::invalid_request);
  typing.user = publisher;
  return typing;
}

}  // namespace iris::sync
