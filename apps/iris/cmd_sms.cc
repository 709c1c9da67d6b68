// iris sms verify NUMBER [CODE]: the user verifies a phone number of theirs (docs/PROTOCOL.md
// "SMS number verification") over the HTTP API: without CODE the server texts a code to the
// number; with it, the number becomes the user's (SMS to it reach the user). No MQTT session:
// one HTTP request with the login's token.
#include <fmt/format.h>

#include <cctype>

#include "apps/iris/commands.h"
#include "apps/iris/config.h"
#include "apps/iris/exit_code.h"
#include "client/errc.h"
#include "client/http_api.h"

namespace iris::cli {
namespace {

// application/x-www-form-urlencoded: unreserved bytes as they are, the rest %XX ('+' too).
std::string form_value(std::string_view v) {
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace

int cmd_sms(const Args& args, Output& out) {
  const std::string dir = config_dir(args.config_dir);
  auto login = load_login(dir);
  if (!login) return report(out, "sms verify", login.error());
  auto options = client_options(dir, *login);
  if (!options) return report(out, "sms verify", options.error());
  if (!options->http) return report(out, "sms verify (log in with --http)", client::errc::not_configured);
  client::HttpApi api(*options->http, options->token, std::chrono::duration_cast<std::chrono::milliseconds>(args.timeout));
  const bool confirm = !args.sms_code.empty();
  std::string form = "number=" + form_value(args.sms_number);
  if (confirm) form += "&code=" + form_value(args.sms_code);
  std::string why;
  auto body = api.post_form(confirm ? "/v1/sms/numbers/verify" : "/v1/sms/numbers", form, &why);
  if (!body) return report(out, why.empty() ? std::string("sms verify") : "sms verify: " + why, body.error());
  if (out.json()) {
    out.line(*body);
  } else {
    const auto number = client::json_string_field(*body, "number").value_or(args.sms_number);
    out.line(confirm ? fmt::format("{} is now yours: SMS to it reach you", number)
                     : fmt::format("a code is on its way to {}; then: iris sms verify {} CODE", number, number));
  }
  return kExitOk;
}

}  // namespace iris::cli
