#include "cluster/member_codec.h"

#include <charconv>
#include <vector>

#include "cluster/errc.h"
#include "cluster/membership.h"
#include "cluster/ring_hash.h"

namespace iris::cluster {
namespace {

// Splits off the next space- or newline-separated word.
std::string_view next_word(std::string_view& rest) {
  const auto start = rest.find_first_not_of(" \n");
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(start);
  const auto end = rest.find_first_of(" \n");
  const auto word = rest.substr(0, end);
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  return word;
}

// Splits off the next line (without its newline).
std::string_view next_line(std::string_view& rest) {
  const auto end = rest.find('\n');
  const auto line = rest.substr(0, end);
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
  return line;
}

// What a field name of a later version may look like: a short lowercase word. Anything else
// (binary junk, a stray value) is still refused.
bool is_field_name(std::string_view key) {
  if (key.empty() || key.size() > 32) return false;
  for (const char c : key) {
    if ((c < 'a' || c > 'z') && c != '_' && (c < '0' || c > '9')) return false;
  }
  return true;
}

template <typename T>
bool parse_number(std::string_view s, T& out, int base = 10) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc{} && p == s.data() + s.size() && !s.empty();
}

}  // namespace

std::string encode_member(const ServerInfo& server) {
  std::string out = "iris-member 1\naddress " + server.address + "\n";
  if (!server.mqtt.empty()) out += "mqtt " + server.mqtt + "\n";
  if (!server.http.empty()) out += "http " + server.http + "\n";
  if (!server.ws.empty()) out += "ws " + server.ws + "\n";
  if (server.tokens == default_tokens(server.name, static_cast<std::uint32_t>(server.tokens.size()))) {
    out += "tokens default " + std::to_string(server.tokens.size()) + "\n";
    return out;
  }
  out += "tokens list";
  char buf[17];
  for (const auto t : server.tokens) {
    const auto [p, ec] = std::to_chars(buf, buf + sizeof buf, t, 16);
    out += ' ';
    out.append(buf, p);
  }
  out += '\n';
  return out;
}

Result<ServerInfo> decode_member(std::string_view name, std::string_view data) {
  ServerInfo s;
  s.name = std::string(name);
  std::string_view rest = data;
  if (next_line(rest) != "iris-member 1") return fail(errc::invalid_member);
  bool have_tokens = false;
  for (std::string_view line = next_line(rest); !line.empty() || !rest.empty(); line = next_line(rest)) {
    if (line.empty()) continue;
    const auto key = next_word(line);
    // A line a newer server added is skipped, so that a field can arrive by rolling restart
    // (docs/DEPLOY.md); what is known is parsed strictly, and each key is taken once.
    std::string* endpoint = key == "address" ? &s.address
                          : key == "mqtt"    ? &s.mqtt
                          : key == "http"    ? &s.http
                          : key == "ws"      ? &s.ws
                                             : nullptr;
    if (endpoint != nullptr) {
      if (!endpoint->empty()) return fail(errc::invalid_member);
      *endpoint = std::string(next_word(line));
      if (endpoint->empty() || !next_word(line).empty()) return fail(errc::invalid_member);
    } else if (key == "tokens") {
      if (have_tokens) return fail(errc::invalid_member);
      have_tokens = true;
      const auto kind = next_word(line);
      if (kind == "default") {
        std::uint32_t count = 0;
        if (!parse_number(next_word(line), count) || count == 0 || count > kMaxTokens || !next_word(line).empty()) {
          return fail(errc::invalid_member);
        }
        s.tokens = default_tokens(s.name, count);
      } else if (kind == "list") {
        for (auto w = next_word(line); !w.empty(); w = next_word(line)) {
          std::uint64_t t = 0;
          if (s.tokens.size() == kMaxTokens || !parse_number(w, t, 16)) return fail(errc::invalid_member);
          s.tokens.push_back(t);
        }
      } else {
        return fail(errc::invalid_member);
      }
    } else if (!is_field_name(key)) {
      return fail(errc::invalid_member);
    }
  }
  if (s.address.empty() || !have_tokens) return fail(errc::invalid_member);
  if (auto ok = validate(s); !ok) return fail(ok.error());
  return s;
}

std::string encode_cell(const CellConfig& cell) {
  return "iris-cell 1\ntokens " + std::to_string(cell.tokens_per_server) + "\n";
}

Result<CellConfig> decode_cell(std::string_view data) {
  std::string_view rest = data;
  CellConfig c;
  if (next_word(rest) != "iris-cell" || next_word(rest) != "1" || next_word(rest) != "tokens" ||
      !parse_number(next_word(rest), c.tokens_per_server) || c.tokens_per_server == 0 ||
      c.tokens_per_server > kMaxTokens || !next_word(rest).empty()) {
    return fail(errc::invalid_member);
  }
  return c;
}

}  // namespace iris::cluster
