#include "mail/text_extract.h"

#include <algorithm>
#include <array>
#include <optional>
#include <cstdint>
#include <vector>

#include "base/utf8.h"

namespace iris::mail {
namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      out.push_back(text.substr(start));
      break;
    }
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

bool quoted(std::string_view line) {
  const auto first = line.find_first_not_of(" \t");
  return first != std::string_view::npos && line[first] == '>';
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// "On Mon, 1 Jan 2024 at 10:00, Alice <a@example.com> wrote:" and its localized cousins
// end in "wrote:" / "writes:"; clients wrap it, so the line may also just end in ':' right
// before the quote.
bool attribution(std::string_view line) {
  line = trim(line);
  if (line.empty() || line.back() != ':') return false;
  return starts_with_ci(line, "on ") || line.ends_with("wrote:") || line.ends_with("writes:");
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The length of the well-formed UTF-8 sequence at text[i], or 0.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > text.size()) return 0;
  return is_valid_utf8(text.substr(i, n), Nul::allowed) ? n : 0;
}

}  // namespace

std::string trim_quoted_reply(std::string_view text) {
  auto lines = lines_of(text);
  std::size_t end = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view t = trim(lines[i]);
    const bool signature = lines[i].starts_with("-- ") && t == "--";
    if (starts_with_ci(t, "-----original message") || signature) {
      end = i;
      break;
    }
    // An attribution line followed (after blanks) by a quote.
    if (attribution(lines[i])) {
      std::size_t j = i + 1;
      while (j < lines.size() && blank(lines[j])) ++j;
      if (j < lines.size() && quoted(lines[j])) {
        // Only if nothing but quotes and blanks follows: else it is an inline reply.
        bool only_quote = true;
        for (std::size_t k = j; k < lines.size() && only_quote; ++k) {
          only_quote = blank(lines[k]) || quoted(lines[k]);
        }
        if (only_quote) {
          end = i;
          break;
        }
      }
    }
  }
  // Trailing quoted lines (a quote with no attribution).
  while (end > 0 && (blank(lines[end - 1]) || quoted(lines[end - 1]))) --end;
  std::string out;
  for (std::size_t i = 0; i < end; ++i) {
    out.append(lines[i]);
    out.push_back('\n');
  }
  if (trim(out).find_first_not_of("\n") == std::string_view::npos) return clean_text(text);
  return clean_text(out);
}

std::string html_to_text(std::string_view html, bool drop_quotes) {
  static constexpr std::array<std::string_view, 4> kSkipped = {"script", "style", "head", "title"};
  static constexpr std::array<std::string_view, 13> kBlocks = {
      "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table"};
  std::string out;
  out.reserve(html.size() / 2);
  int skip_depth = 0;   // inside script/style/head/title
  int quote_depth = 0;  // inside blockquote (dropped with drop_quotes)
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<') {
      if (html.substr(i, 4) == "<!--") {
        const auto end = html.find("-->", i + 4);
        i = end == std::string_view::npos ? html.size() : end + 3;
        continue;
      }
      const auto close = html.find('>', i + 1);
      if (close == std::string_view::npos) break;
      std::string_view tag = html.substr(i + 1, close - i - 1);
      i = close + 1;
      const bool ending = !tag.empty() && tag.front() == '/';
      if (ending) tag.remove_prefix(1);
      std::string name;
      for (char t : tag) {
        if (!((t >= 'a' && t <= 'z') || (t >= 'A' && t <= 'Z') || (t >= '0' && t <= '9'))) break;
        name.push_back(t >= 'A' && t <= 'Z' ? static_cast<char>(t - 'A' + 'a') : t);
      }
      const bool self_closing = !tag.empty() && tag.back() == '/';
      for (auto s : kSkipped) {
        if (name == s && !self_closing) skip_depth = std::max(0, skip_depth + (ending ? -1 : 1));
      }
      if (name == "blockquote" && !self_closing) quote_depth = std::max(0, quote_depth + (ending ? -1 : 1));
      for (auto b : kBlocks) {
        if (name == b && skip_depth == 0 && (quote_depth == 0 || !drop_quotes)) out.push_back('\n');
      }
      continue;
    }
    if (skip_depth > 0 || (drop_quotes && quote_depth > 0)) {
      ++i;
      continue;
    }
    if (c == '&') {
      const auto semi = html.find(';', i + 1);
      if (semi != std::string_view::npos && semi - i <= 10) {
        const std::string_view entity = html.substr(i + 1, semi - i - 1);
        std::optional<std::uint32_t> cp;
        if (entity == "amp") cp = '&';
        else if (entity == "lt") cp = '<';
        else if (entity == "gt") cp = '>';
        else if (entity == "quot") cp = '"';
        else if (entity == "apos") cp = '\'';
        else if (entity == "nbsp") cp = ' ';
        else if (entity.size() > 1 && entity[0] == '#') {
          std::uint32_t v = 0;
          const bool hex = entity[1] == 'x' || entity[1] == 'X';
          bool ok = entity.size() > (hex ? 2u : 1u);
          for (char d : entity.substr(hex ? 2 : 1)) {
            int digit = d >= '0' && d <= '9' ? d - '0'
                        : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
                        : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10 : -1;
            if (digit < 0 || v > 0x10FFFF) { ok = false; break; }
            v = v * (hex ? 16 : 10) + static_cast<std::uint32_t>(digit);
          }
          if (ok) cp = v;
        }
        if (cp) {
          append_utf8(out, *cp);
          i = semi + 1;
          continue;
        }
      }
    }
    // Whitespace in HTML source is layout, not text: a run of it is one space.
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      if (!out.empty() && out.back() != ' ' && out.back() != '\n') out.push_back(' ');
      ++i;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  // Collapse the blank lines that nested blocks leave.
  std::string collapsed;
  int newlines = 0;
  for (char c : clean_text(out)) {
    if (c == '\n') {
      if (++newlines > 2) continue;
    } else {
      newlines = 0;
    }
    collapsed.push_back(c);
  }
  return collapsed;
}

std::string clean_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\r') {
      out.push_back('\n');
      i += (i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
      continue;
    }
    if (c < 0x80) {
      if (c >= 0x20 && c != 0x7F) out.push_back(static_cast<char>(c));
      else if (c == '\n' || c == '\t') out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (const auto n = utf8_length(text, i); n > 0) {
      // C1 controls (U+0080..U+009F) are controls too.
      if (!(n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0)) out.append(text.substr(i, n));
      i += n;
      continue;
    }
    if (c >= 0xA0) append_utf8(out, c);  // Latin-1
    ++i;
  }
  // Trailing whitespace per line, then blank lines at both ends.
  std::string lines;
  lines.reserve(out.size());
  std::size_t start = 0;
  while (start <= out.size()) {
    auto nl = out.find('\n', start);
    std::string_view line = std::string_view(out).substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    lines.append(line);
    if (nl == std::string::npos) break;
    lines.push_back('\n');
    start = nl + 1;
  }
  const auto first = lines.find_first_not_of('\n');
  if (first == std::string::npos) return {};
  const auto last = lines.find_last_not_of('\n');
  return lines.substr(first, last - first + 1);
}

std::string one_line(std::string_view text) {
  std::string out;
  for (char c : clean_text(text)) {
    if (c == '\n' || c == '\t') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string clip_utf8(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  static constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
  if (max < kEllipsis.size()) return {};
  std::size_t cut = max - kEllipsis.size();
  // Back up to the start of a character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::string out(text.substr(0, cut));
  out.append(kEllipsis);
  return out;
}

}  // namespace iris::mail
