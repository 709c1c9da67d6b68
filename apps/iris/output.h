#pragma once
// How `iris` talks to people and scripts: readable lines, or JSON with --json; a progress
// bar for long snapshot and catch-up work, drawn on stdout only when it is a terminal (and
// never with --json); errors on stderr as "iris: <what>: <why>".

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "base/json.h"  // json_string, for the commands' --json output
#include "client/client.h"

namespace iris::cli {

class Output {
 public:
  explicit Output(bool json);
  // Erases a progress bar still drawn, so that nothing after iris (a shell prompt, the next
  // command's error) starts on the bar's line.
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  bool json() const { return json_; }

  void line(std::string_view text);  // stdout, with a newline
  void error(std::string_view what, std::error_code ec);
  void error(std::string_view what);
  // Draws (or updates) the bar; a no-op unless stdout is a terminal and not --json.
  void progress(const client::Progress& p);
  void end_progress();

 private:
  bool json_;
  bool tty_;
  bool drawn_ = false;
  std::uint64_t last_permille_ = ~std::uint64_t{0};
};

// "2026-11-29 13:40:05" in local time.
std::string format_time(core::Timestamp t);

// An attachment for people: "[file cat.png image/png 1234 bytes 640x480 blob <64 hex>]"
// (the blob id is what `iris fetch` takes); and as JSON, in the wire JSON mapping
// (docs/PROTOCOL.md "Blobs").
std::string attachment_text(const core::Attachment& a);
std::string attachment_json(const core::Attachment& a);

}  // namespace iris::cli
