#include "wire/detail/validate.h"

#include <cstdint>

#include "base/utf8.h"
#include "wire/errc.h"

namespace iris::wire::detail {

namespace {

std::error_code text_ok(std::string_view text) {
  return is_valid_utf8(text, Nul::allowed) ? std::error_code{} : make_error_code(errc::invalid_utf8);
}

// Names and types are strings a device shows: valid UTF-8, as every text.
std::error_code attachments_ok(const std::vector<core::Attachment>& list) {
  for (const auto& a : list) {
    if (auto ec = text_ok(a.name)) return ec;
    if (auto ec = text_ok(a.content_type)) return ec;
  }
  return {};
}

std::error_code check(const core::Update& u) {
  return std::visit(
      [](const auto& body) -> std::error_code {
        using B = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<B, core::MessageCreated>) {
          if (auto ec = attachments_ok(body.attachments)) return ec;
          return text_ok(body.text);
        } else if constexpr (std::is_same_v<B, core::MessageEdited>) {
          return text_ok(body.text);
        } else if constexpr (std::is_same_v<B, core::ReactionChanged>) {
          return text_ok(body.reaction);
        } else if constexpr (std::is_same_v<B, core::ThreadCreated> ||
                             std::is_same_v<B, core::ThreadRenamed>) {
          return text_ok(body.name);
        } else {
          return {};
        }
      },
      u.body);
}

std::error_code check(const ThreadMessage& m) {
  if (auto ec = text_ok(m.text)) return ec;
  if (auto ec = attachments_ok(m.attachments)) return ec;
  for (const auto& r : m.reactions) {
    if (auto ec = text_ok(r.reaction)) return ec;
  }
  return {};
}

std::error_code check(const DeltaBatch& b) {
  const auto first = b.first_seq.value();
  const auto last = b.last_seq.value();
  if (first > last || first == 0) return make_error_code(errc::invalid_message);
  if (!b.folded && b.updates.size() != last - first + 1) {
    return make_error_code(errc::invalid_message);
  }
  std::uint64_t expect = first;  // the smallest seq the next update may have
  for (const auto& u : b.updates) {
    const auto seq = u.seq.value();
    const bool fits = b.folded ? (seq >= expect && seq <= last) : seq == expect;
    if (!fits) return make_error_code(errc::invalid_message);
    expect = seq + 1;
    if (auto ec = check(u)) return ec;
  }
  return {};
}

std::error_code check(const Snapshot& s) {
  for (const auto& t : s.threads) {
    if (auto ec = text_ok(t.name)) return ec;
    for (const auto& m : t.latest_messages) {
      if (auto ec = check(m)) return ec;
    }
  }
  return {};
}

std::error_code check(const ThreadPage& p) {
  for (const auto& m : p.messages) {
    if (auto ec = check(m)) return ec;
  }
  return {};
}

std::error_code check(const SendRequest& r) {
  if (auto ec = attachments_ok(r.attachments)) return ec;
  return text_ok(r.body);
}
std::error_code check(const Error& e) { return text_ok(e.text); }
std::error_code check(const CreateThreadRequest& r) { return text_ok(r.name); }
std::error_code check(const RenameThreadRequest& r) { return text_ok(r.name); }
std::error_code check(const MessageActionRequest& r) { return text_ok(r.text); }
std::error_code check(const Badge&) { return {}; }

// Messages with no strings and no cross-field rule.
std::error_code check(const ResumeRequest&) { return {}; }
std::error_code check(const Resync&) { return {}; }
std::error_code check(const SendResult&) { return {}; }
std::error_code check(const ReadRequest&) { return {}; }
std::error_code check(const ChangeParticipantsRequest&) { return {}; }
std::error_code check(const Ack&) { return {}; }
std::error_code check(const Heartbeat&) { return {}; }
std::error_code check(const Typing&) { return {}; }
std::error_code check(const SocialRequest&) { return {}; }
std::error_code check(const ContactList&) { return {}; }

std::error_code check(const Message& m) {
  return std::visit([](const auto& alt) { return check(alt); }, m);
}

}  // namespace

template <WireMessage M>
std::error_code validate(const M& message) {
  return check(message);
}

#define IRIS_WIRE_INSTANTIATE(M) template std::error_code validate<M>(const M&);
IRIS_WIRE_FOR_EACH_MESSAGE(IRIS_WIRE_INSTANTIATE)
#undef IRIS_WIRE_INSTANTIATE

}  // namespace iris::wire::detail
