// libFuzzer target over the MIME path of mail in: arbitrary bytes as a delivered message
// through GMime and the text rules (mime_parser.h), and through an LMTP session as DATA.
// Asserts what must hold for any input: no crash, the part bound kept, text that is valid
// UTF-8 without control characters.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/utf8.h"
#include "mail/lmtp_session.h"
#include "mail/mime_parser.h"
#include "mail/text_extract.h"

namespace {

void check_text(std::string_view text) {
  if (!iris::is_valid_utf8(text, iris::Nul::refused)) std::abort();
  for (unsigned char c : text) {
    if (c < 0x20 && c != '\n' && c != '\t') std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  iris::mail::MimeLimits limits{.max_parts = 20, .trim_quotes = (size % 2) == 0};
  if (auto mail = iris::mail::parse_mime(bytes, limits)) {
    if (mail->parts > limits.max_parts) std::abort();
    check_text(mail->text);
    check_text(mail->subject);
    check_text(mail->from_name);
    for (const auto& a : mail->attachments) check_text(a.name);
  }
  check_text(iris::mail::html_to_text(bytes, true));
  check_text(iris::mail::clean_text(bytes));

  iris::mail::MailOptions options;
  options.max_message_bytes = 4096;
  options.max_line_bytes = 256;
  iris::mail::LmtpSession session(options, "fuzz");
  auto out = session.feed("LHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<1@localhost>\r\nDATA\r\n");
  out = session.feed(bytes);
  if (out.deliver && out.deliver->data.size() > options.max_message_bytes) std::abort();
  return 0;
}
