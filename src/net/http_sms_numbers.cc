// POST /v1/sms/numbers[/verify]: users verifying their SMS numbers (docs/PROTOCOL.md "SMS
// number verification"); the rules are net/sms_verifier.h's.

#include <fmt/format.h>

#include <optional>

#include "base/json.h"
#include "net/detail/http_answer.h"
#include "net/sms_verifier.h"
#include "sms/errc.h"
#include "sms/webhook.h"

namespace iris::net::detail {
namespace {

// number=...&code=...: nothing else is read; a form of more fields than this is not ours.
constexpr std::size_t kMaxFields = 8;

}  // namespace

Answer sms_numbers_answer(Encoding e, SmsVerifier* verifier, core::UserId user, const SmsNumberRoute& route,
                          std::string_view body) {
  if (verifier == nullptr) return error_answer(e, make_error_code(sms::errc::verification_off));
  auto form = sms::parse_form(body, kMaxFields);
  if (!form) return error_answer(e, form.error());
  std::optional<std::string> number, code;
  for (auto& [name, value] : *form) {
    auto* slot = name == "number" ? &number : name == "code" ? &code : nullptr;
    if (slot == nullptr) continue;
    if (slot->has_value()) return error_answer(e, make_error_code(sms::errc::bad_form));
    *slot = std::move(value);
  }
  if (!number || (route.verify && !code)) return error_answer(e, make_error_code(sms::errc::bad_form));
  if (!route.verify) {
    auto asked = verifier->request(user, *number);
    if (!asked) return error_answer(e, asked.error());
    return {202, fmt::format("{{\"number\":{},\"expires_in_s\":{}}}", json_string(*asked), verifier->code_ttl().count()),
            kJsonType};
  }
  auto verified = verifier->confirm(user, *number, *code);
  if (!verified) return error_answer(e, verified.error());
  return {200, fmt::format("{{\"number\":{},\"verified\":true}}", json_string(*verified)), kJsonType};
}

}  // namespace iris::net::detail
