#include "mail/lmtp_session.h"

#include <charconv>

#include "mail/address.h"
#include "mail/errc.h"

namespace iris::mail {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

bool ieq_prefix(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && upper(s.substr(0, prefix.size())) == prefix;
}

// "<path> [params...]" after "FROM:" or "TO:" (a space after the colon is tolerated, as
// most servers do). The path without brackets, and the parameters' text.
std::optional<std::pair<std::string, std::string_view>> path_and_params(std::string_view rest) {
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty() || rest.front() != '<') return std::nullopt;
  const auto close = rest.find('>');
  if (close == std::string_view::npos) return std::nullopt;
  std::string path(rest.substr(1, close - 1));
  return std::pair{std::move(path), rest.substr(close + 1)};
}

// The SIZE=n parameter of MAIL (RFC 1870), if any; nullopt for no parameter, -1 if malformed.
std::optional<long long> size_param(std::string_view params) {
  while (!params.empty()) {
    while (!params.empty() && params.front() == ' ') params.remove_prefix(1);
    const auto end = params.find(' ');
    const std::string_view p = params.substr(0, end);
    params = end == std::string_view::npos ? std::string_view() : params.substr(end);
    if (ieq_prefix(p, "SIZE=")) {
      long long n = 0;
      const auto digits = p.substr(5);
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
      if (ec != std::errc() || ptr != digits.data() + digits.size() || n < 0) return -1;
      return n;
    }
  }
  return std::nullopt;
}

}  // namespace

LmtpSession::LmtpSession(const MailOptions& options, std::string hostname)
    : options_(options), hostname_(std::move(hostname)) {}

std::string LmtpSession::greeting() const { return "220 " + hostname_ + " LMTP Iris ready\r\n"; }

void LmtpSession::reset_transaction() {
  envelope_ = Envelope{};
  have_from_ = false;
}

LmtpSession::Output LmtpSession::feed(std::string_view bytes) {
  in_.append(bytes);
  return run();
}

bool LmtpSession::hold(std::string_view bytes) {
  if (in_.size() + bytes.size() > options_.max_line_bytes) return false;
  in_.append(bytes);
  return true;
}

LmtpSession::Output LmtpSession::delivered(std::span<const RecipientReply> replies) {
  delivering_ = false;
  std::string text;
  for (const auto& r : replies) text += r + "\r\n";
  Output out = run();
  out.reply.insert(0, text);
  return out;
}

LmtpSession::Output LmtpSession::run() {
  Output out;
  std::size_t pos = 0;
  while (!delivering_ && !closed_) {
    if (state_ == State::command) {
      const auto nl = in_.find('\n', pos);
      if (nl == std::string::npos) {
        if (in_.size() - pos > options_.max_line_bytes) {
          if (!discarding_line_) out.reply += "500 5.5.2 line too long\r\n";
          discarding_line_ = true;
          pos = in_.size();
        }
        break;
      }
      std::string_view line(in_.data() + pos, nl - pos);
      pos = nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (discarding_line_) {
        discarding_line_ = false;
        continue;
      }
      if (line.size() > options_.max_line_bytes) {
        out.reply += "500 5.5.2 line too long\r\n";
        continue;
      }
      command(line, out);
      continue;
    }
    // DATA: lines end at CRLF only.
    const auto crlf = in_.find("\r\n", pos);
    if (crlf == std::string::npos) {
      // A partial line: keep it unless it alone passes the limit (then the message is too
      // large whatever follows; drop all but a trailing CR that may start the CRLF).
      const std::size_t pending = in_.size() - pos;
      if (state_ == State::data && envelope_.data.size() + pending > options_.max_message_bytes + 2) {
        state_ = State::data_too_large;
        envelope_.data.clear();
        envelope_.data.shrink_to_fit();
      }
      if (state_ == State::data_too_large && pending > 1) {
        pos = in_.size() - 1;
        discarding_line_ = true;  // what follows is the rest of a line, not a line start
      }
      break;
    }
    std::string_view line(in_.data() + pos, crlf - pos);
    pos = crlf + 2;
    const bool line_start = !discarding_line_;
    discarding_line_ = false;
    if (line_start && line == ".") {
      end_of_data(out);
      continue;
    }
    if (state_ == State::data_too_large) continue;
    if (line_start && !line.empty() && line.front() == '.') line.remove_prefix(1);  // RFC 5321 §4.5.2
    if (envelope_.data.size() + line.size() + 2 > options_.max_message_bytes) {
      state_ = State::data_too_large;
      envelope_.data.clear();
      envelope_.data.shrink_to_fit();
      continue;
    }
    envelope_.data.append(line);
    envelope_.data.append("\r\n");
  }
  in_.erase(0, pos);
  out.close = closed_;
  return out;
}

void LmtpSession::end_of_data(Output& out) {
  const bool too_large = state_ == State::data_too_large;
  state_ = State::command;
  if (too_large) {
    for (std::size_t i = 0; i < envelope_.recipients.size(); ++i) {
      out.reply += "552 5.3.4 message over mail.max_message_bytes (" + std::to_string(options_.max_message_bytes) + ")\r\n";
    }
    reset_transaction();
    return;
  }
  out.deliver = std::move(envelope_);
  delivering_ = true;
  reset_transaction();
}

void LmtpSession::command(std::string_view line, Output& out) {
  const auto space = line.find(' ');
  const std::string verb = upper(line.substr(0, space));
  const std::string_view arg = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  if (verb == "LHLO") {
    if (arg.empty()) {
      out.reply += "501 5.5.4 syntax: LHLO hostname\r\n";
      return;
    }
    greeted_ = true;
    reset_transaction();
    out.reply += "250-" + hostname_ + "\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SIZE " +
                 std::to_string(options_.max_message_bytes) + "\r\n";
  } else if (verb == "HELO" || verb == "EHLO") {
    out.reply += "500 5.5.1 this is LMTP: use LHLO (RFC 2033)\r\n";
  } else if (verb == "MAIL") {
    if (!greeted_) {
      out.reply += "503 5.5.1 LHLO first\r\n";
    } else if (have_from_) {
      out.reply += "503 5.5.1 MAIL already given\r\n";
    } else if (!ieq_prefix(arg, "FROM:")) {
      out.reply += "501 5.5.4 syntax: MAIL FROM:<address>\r\n";
    } else if (auto p = path_and_params(arg.substr(5)); !p || p->first.size() > 254) {
      out.reply += "501 5.5.4 syntax: MAIL FROM:<address>\r\n";
    } else if (auto size = size_param(p->second); size && *size < 0) {
      out.reply += "501 5.5.4 bad SIZE parameter\r\n";
    } else if (size && static_cast<unsigned long long>(*size) > options_.max_message_bytes) {
      out.reply += "552 5.3.4 message over mail.max_message_bytes (" + std::to_string(options_.max_message_bytes) + ")\r\n";
    } else {
      have_from_ = true;
      envelope_.mail_from = std::move(p->first);
      out.reply += "250 2.1.0 sender ok\r\n";
    }
  } else if (verb == "RCPT") {
    if (!have_from_) {
      out.reply += "503 5.5.1 MAIL first\r\n";
    } else if (!ieq_prefix(arg, "TO:")) {
      out.reply += "501 5.5.4 syntax: RCPT TO:<address>\r\n";
    } else if (envelope_.recipients.size() >= options_.max_recipients) {
      out.reply += "452 4.5.3 too many recipients (mail.max_recipients)\r\n";
    } else if (auto p = path_and_params(arg.substr(3)); !p) {
      out.reply += "501 5.5.4 syntax: RCPT TO:<address>\r\n";
    } else if (auto user = recipient_user(p->first, options_.domain); !user) {
      out.reply += user.error() == errc::bad_address ? "501 5.1.3 bad recipient address\r\n"
                                                     : "550 5.1.1 no such user here\r\n";
    } else {
      envelope_.recipients.push_back(*user);
      envelope_.recipient_addresses.push_back(std::move(p->first));
      out.reply += "250 2.1.5 recipient ok\r\n";
    }
  } else if (verb == "DATA") {
    if (!have_from_) {
      out.reply += "503 5.5.1 MAIL first\r\n";
    } else if (envelope_.recipients.empty()) {
      out.reply += "503 5.5.1 no valid recipients\r\n";
    } else {
      state_ = State::data;
      out.reply += "354 end data with <CR><LF>.<CR><LF>\r\n";
    }
  } else if (verb == "RSET") {
    reset_transaction();
    out.reply += "250 2.0.0 ok\r\n";
  } else if (verb == "NOOP") {
    out.reply += "250 2.0.0 ok\r\n";
  } else if (verb == "VRFY") {
    out.reply += "252 2.5.2 cannot verify; send some mail\r\n";
  } else if (verb == "QUIT") {
    out.reply += "221 2.0.0 bye\r\n";
    closed_ = true;
  } else {
    out.reply += "500 5.5.2 unknown command\r\n";
  }
}

}  // namespace iris::mail
