#include "mail/smtp_dialogue.h"

namespace iris::mail {

SmtpVerdict smtp_verdict(const SmtpReply& reply, int expected) {
  const int first = reply.code / 100;
  if (first == expected) return SmtpVerdict::accepted;
  if (first == 5) return SmtpVerdict::permanent;
  return SmtpVerdict::temporary;
}

std::optional<SmtpReply> SmtpReplyReader::feed(std::string_view bytes) {
  if (broken_) return std::nullopt;
  buffer_.append(bytes);
  for (;;) {
    const auto nl = buffer_.find('\n');
    if (nl == std::string::npos) {
      if (buffer_.size() > max_line_) broken_ = true;
      return std::nullopt;
    }
    std::string line = buffer_.substr(0, nl);
    buffer_.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > max_line_ || ++lines_ > max_lines_ || line.size() < 3) {
      broken_ = true;
      return std::nullopt;
    }
    int code = 0;
    for (int i = 0; i < 3; ++i) {
      const char c = line[static_cast<std::size_t>(i)];
      if (c < '0' || c > '9') {
        broken_ = true;
        return std::nullopt;
      }
      code = code * 10 + (c - '0');
    }
    if (code < 200 || code > 599) {
      broken_ = true;
      return std::nullopt;
    }
    const char sep = line.size() > 3 ? line[3] : ' ';
    if (sep == '-') continue;
    if (sep != ' ') {
      broken_ = true;
      return std::nullopt;
    }
    lines_ = 0;
    return SmtpReply{code, line.size() > 4 ? line.substr(4) : std::string()};
  }
}

std::string smtp_data(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 32 + 8);
  bool line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    if (line_start && c == '.') out.push_back('.');
    line_start = false;
    if (c == '\r') {
      if (i + 1 < message.size() && message[i + 1] == '\n') continue;  // the LF writes CRLF
      out += "\r\n";
      line_start = true;
    } else if (c == '\n') {
      out += "\r\n";
      line_start = true;
    } else {
      out.push_back(c);
    }
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

}  // namespace iris::mail
