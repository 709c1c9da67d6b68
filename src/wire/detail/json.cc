#include "wire/detail/json.h"

#include <charconv>

#include "base/assert.h"
#include "base/utf8.h"
#include "wire/detail/validate.h"

namespace iris::wire::detail {

// JsonWriter ------------------------------------------------------------------------------

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_items_.empty()) {
    if (has_items_.back()) out_ += ',';
    has_items_.back() = true;
  }
}

void JsonWriter::open(char c) {
  before_value();
  out_ += c;
  has_items_.push_back(false);
}

void JsonWriter::close(char c) {
  IRIS_ASSERT(!has_items_.empty() && !after_key_, "unbalanced JSON writer");
  has_items_.pop_back();
  out_ += c;
}

void JsonWriter::key(std::string_view name) {
  IRIS_ASSERT(!after_key_, "JSON key without a value");
  string(name);
  out_ += ':';
  after_key_ = true;
}

void JsonWriter::string(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  before_value();
  out_ += '"';
  std::size_t run = 0;  // start of the pending run of bytes that need no escape
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out_.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      case '\t': out_ += "\\t"; break;
      case '\b': out_ += "\\b"; break;
      case '\f': out_ += "\\f"; break;
      default:
        out_ += "\\u00";
        out_ += kHex[c >> 4];
        out_ += kHex[c & 0xF];
    }
  }
  out_.append(text.data() + run, text.size() - run);
  out_ += '"';
}

namespace {

// Decimal digits of `v` appended to `out`, optionally in quotes (64-bit ids travel as
// strings so JavaScript keeps every bit).
template <typename Int>
void append_decimal(std::string& out, Int v, bool quoted) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  if (quoted) out += '"';
  out.append(buf, r.ptr);
  if (quoted) out += '"';
}

}  // namespace

void JsonWriter::u64_string(std::uint64_t v) {
  before_value();
  append_decimal(out_, v, true);
}

void JsonWriter::i64_string(std::int64_t v) {
  before_value();
  append_decimal(out_, v, true);
}

void JsonWriter::number(std::int64_t v) {
  before_value();
  append_decimal(out_, v, false);
}

// JsonReader ------------------------------------------------------------------------------

void JsonReader::fail(errc e) {
  if (!error_) error_ = make_error_code(e);
}

void JsonReader::skip_ws() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
    ++pos_;
  }
}

bool JsonReader::peek(char& c) {
  if (!ok()) return false;
  skip_ws();
  if (pos_ >= text_.size()) {
    fail(errc::truncated);
    return false;
  }
  c = text_[pos_];
  return true;
}

bool JsonReader::consume(char expected) {
  char c;
  if (!peek(c)) return false;
  if (c != expected) {
    fail(errc::malformed);
    return false;
  }
  ++pos_;
  return true;
}

bool JsonReader::enter() {
  if (counts_.size() >= static_cast<std::size_t>(limits_.max_depth)) {
    fail(errc::too_large);
    return false;
  }
  counts_.push_back(0);
  return true;
}

bool JsonReader::begin_object() { return consume('{') && enter(); }
bool JsonReader::begin_array() { return consume('[') && enter(); }

bool JsonReader::next_element() {
  IRIS_ASSERT(!counts_.empty() || !ok(), "next_element outside an array");
  char c;
  if (!peek(c)) return false;
  if (counts_.back() == 0) {
    if (c == ']') {
      ++pos_;
      counts_.pop_back();
      return false;
    }
  } else {
    if (c == ']') {
      ++pos_;
      counts_.pop_back();
      return false;
    }
    if (!consume(',')) return false;
  }
  if (++counts_.back() > limits_.max_list_size) {
    fail(errc::too_large);
    return false;
  }
  return true;
}

bool JsonReader::next_key(std::string& key) {
  IRIS_ASSERT(!counts_.empty() || !ok(), "next_key outside an object");
  char c;
  if (!peek(c)) return false;
  if (c == '}') {
    ++pos_;
    counts_.pop_back();
    return false;
  }
  if (counts_.back() != 0 && !consume(',')) return false;
  if (++counts_.back() > limits_.max_list_size) {
    fail(errc::too_large);
    return false;
  }
  if (!peek(c)) return false;
  if (c != '"') {
    fail(errc::malformed);
    return false;
  }
  key = string();
  return consume(':');
}

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::string JsonReader::string() {
  std::string out;
  if (!consume('"')) return out;
  // Reads \uXXXX after the backslash and 'u'; -1 on a bad escape.
  auto read_u4 = [this]() -> std::int32_t {
    if (text_.size() - pos_ < 4) {
      fail(errc::truncated);
      return -1;
    }
    std::int32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const int d = hex_digit(text_[pos_ + static_cast<std::size_t>(i)]);
      if (d < 0) {
        fail(errc::malformed);
        return -1;
      }
      v = v * 16 + d;
    }
    pos_ += 4;
    return v;
  };
  while (true) {
    // Copy the run of bytes up to the next quote, backslash or control character.
    const std::size_t start = pos_;
    while (pos_ < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"' || c == '\\' || c < 0x20) break;
      ++pos_;
    }
    if (out.size() + (pos_ - start) > limits_.max_string_bytes) {
      fail(errc::too_large);
      return {};
    }
    out.append(text_.data() + start, pos_ - start);
    if (pos_ >= text_.size()) {
      fail(errc::truncated);
      return {};
    }
    const char c = text_[pos_++];
    if (c == '"') break;
    if (c != '\\') {  // a bare control character
      fail(errc::malformed);
      return {};
    }
    if (pos_ >= text_.size()) {
      fail(errc::truncated);
      return {};
    }
    switch (text_[pos_++]) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        std::int32_t cp = read_u4();
        if (cp < 0) return {};
        // A high surrogate followed by an escaped low surrogate is one code point; an
        // unpaired surrogate is kept as such and rejected by the UTF-8 check below.
        if (cp >= 0xD800 && cp <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
          const std::size_t save = pos_;
          pos_ += 2;
          const std::int32_t low = read_u4();
          if (low < 0) return {};
          if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else {
            pos_ = save;
          }
        }
        append_utf8(out, static_cast<std::uint32_t>(cp));
        break;
      }
      default: fail(errc::malformed); return {};
    }
    if (out.size() > limits_.max_string_bytes) {
      fail(errc::too_large);
      return {};
    }
  }
  if (!is_valid_utf8(out, Nul::allowed)) {
    fail(errc::invalid_utf8);
    return {};
  }
  return out;
}

bool JsonReader::boolean() {
  char c;
  if (!peek(c)) return false;
  const std::string_view rest = text_.substr(pos_);
  if (rest.starts_with("true")) {
    pos_ += 4;
    return true;
  }
  if (rest.starts_with("false")) {
    pos_ += 5;
    return false;
  }
  fail(rest.size() < 5 && (std::string_view("true").starts_with(rest) ||
                           std::string_view("false").starts_with(rest))
           ? errc::truncated
           : errc::malformed);
  return false;
}

std::string_view JsonReader::number_text() {
  char c;
  if (!peek(c)) return {};
  const std::size_t start = pos_;
  auto digits = [this]() {
    const std::size_t from = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ - from;
  };
  auto bad = [this]() -> std::string_view {
    fail(pos_ >= text_.size() ? errc::truncated : errc::malformed);
    return {};
  };
  if (text_[pos_] == '-') ++pos_;
  if (pos_ < text_.size() && text_[pos_] == '0') {
    ++pos_;
  } else if (digits() == 0) {
    return bad();
  }
  if (pos_ < text_.size() && text_[pos_] == '.') {
    ++pos_;
    if (digits() == 0) return bad();
  }
  if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
    if (digits() == 0) return bad();
  }
  return text_.substr(start, pos_ - start);
}

std::int64_t JsonReader::integer() {
  const std::string_view t = number_text();
  if (!ok()) return 0;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc{} || end != t.data() + t.size()) {
    fail(errc::malformed);  // a fraction, an exponent, or out of range
    return 0;
  }
  return v;
}

void JsonReader::skip_value() {
  char c;
  if (!peek(c)) return;
  switch (c) {
    case '{': {
      if (!begin_object()) return;
      std::string key;
      while (next_key(key)) skip_value();
      return;
    }
    case '[':
      if (!begin_array()) return;
      while (next_element()) skip_value();
      return;
    case '"': string(); return;
    case 't':
    case 'f': boolean(); return;
    case 'n': {
      const std::string_view rest = text_.substr(pos_);
      if (rest.starts_with("null")) {
        pos_ += 4;
      } else {
        fail(std::string_view("null").starts_with(rest) ? errc::truncated : errc::malformed);
      }
      return;
    }
    default: number_text(); return;
  }
}

void JsonReader::finish() {
  if (!ok()) return;
  skip_ws();
  if (pos_ != text_.size()) fail(errc::malformed);
}

}  // namespace iris::wire::detail
