#pragma once
// The JSON text layer of json_codec.cc: a writer that appends compact JSON (RFC 8259, no
// whitespace) to a string, and a strict, bounded pull reader.
//
// JsonReader keeps the first error and turns every later call into a no-op that returns
// an empty value, so mapping code reads a whole object and checks ok() once; every loop
// over members or elements ends on an error. It accepts only RFC 8259 JSON: no comments,
// no trailing commas, no single quotes, no bare control characters, no invalid UTF-8, no
// unpaired surrogate escapes, and it enforces Limits (string bytes, elements or members
// per container, nesting depth) as it reads, before allocating for a value.

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "wire/errc.h"
#include "wire/limits.h"

namespace iris::wire::detail {

class JsonWriter {
 public:
  // `out` must outlive the writer; output is appended to it.
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  // An object member's key; the next call writes its value.
  void key(std::string_view name);
  // Requires: `text` is valid UTF-8 (it is written as is, escaping only what JSON requires).
  void string(std::string_view text);
  void u64_string(std::uint64_t v);
  void i64_string(std::int64_t v);
  void number(std::int64_t v);
  void boolean(bool v) { before_value(); out_ += v ? "true" : "false"; }

 private:
  void before_value();
  void open(char c);
  void close(char c);

  std::string& out_;
  // Per open container: whether it has a member or element yet (a comma is due).
  std::vector<bool> has_items_;
  bool after_key_ = false;
};

class JsonReader {
 public:
  // `text` must outlive the reader.
  JsonReader(std::string_view text, const Limits& limits) : text_(text), limits_(limits) {}

  bool ok() const { return !error_; }
  std::error_code error() const { return error_; }
  // Records `e` unless an error is already recorded.
  void fail(errc e);

  // Objects: begin_object(), then while (next_key(key)) { read the value }. next_key
  // returns false at the closing brace (or on error).
  bool begin_object();
  bool next_key(std::string& key);
  // Arrays: begin_array(), then while (next_element()) { read the element }.
  bool begin_array();
  bool next_element();

  std::string string();
  bool boolean();
  // An integer number: -?(0|[1-9][0-9]*) in the range of int64; a fraction or exponent is
  // malformed (every number of the protocol is an integer).
  std::int64_t integer();
  // Skips one value of any type (an unknown member's), within the same limits.
  void skip_value();
  // Requires: a value was read. Fails unless only whitespace remains.
  void finish();

 private:
  void skip_ws();
  bool peek(char& c);
  bool consume(char c);
  bool enter();
  // Reads a number; returns its text.
  std::string_view number_text();
  void skip_string();

  std::string_view text_;
  Limits limits_;
  std::size_t pos_ = 0;
  std::error_code error_;
  // Per open container: members or elements read so far.
  std::vector<std::size_t> counts_;
};

}  // namespace iris::wire::detail
