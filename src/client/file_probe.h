#pragma once
// What an attachment's first bytes say about it, before it is uploaded: its media type (by
// signature, else by the file name's extension) and, for a PNG, JPEG or GIF, its pixel
// dimensions from the header. Pure: bytes in, facts out; the caller reads at most
// kProbeBytes of the file, so a hostile or huge file costs a bounded read.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace iris::client {

// Enough for a JPEG's frame header behind a large EXIF block (APP1 is at most 64 KiB), and
// for every other signature here.
inline constexpr std::size_t kProbeBytes = 128 * 1024;

struct FileProbe {
  std::string content_type;  // e.g. "image/png"; "application/octet-stream" when unknown
  std::optional<std::uint32_t> width;
  std::optional<std::uint32_t> height;
};

// `head`: the file's first bytes (at most kProbeBytes are looked at); `name`: its file name.
FileProbe probe_file(std::string_view head, std::string_view name);

}  // namespace iris::client
