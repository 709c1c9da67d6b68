#pragma once
// BlobOptions: the attachment blob store and its HTTP limits (config `blobs.*`, docs/SECURITY.md
// "Limits"). Parsed once by apps/irisd, passed down by const&.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace iris::store {

struct BlobOptions {
  // Directory of the filesystem blob store. Empty: <data_dir>/blobs.
  std::string dir;
  // Largest upload, in bytes; larger is refused with 413, before the body is read when
  // Content-Length says so, else as soon as the bytes pass it. Default 100 MiB: a phone
  // video of a few minutes; more would be a file-transfer service, not a message.
  std::uint64_t max_bytes = std::uint64_t{100} << 20;
  // Content types an upload may declare (the media type of Content-Type, parameters
  // ignored, compared without case); "type/*" admits a whole top-level type. Others get 415.
  // Default: common photo, video, audio and document types. Not SVG or HTML: downloads are
  // served from the API's origin, and those could run script in a browser.
  std::vector<std::string> allowed_types = {
      "image/jpeg", "image/png",  "image/gif",  "image/webp", "image/heic",      "video/mp4",
      "video/webm", "video/quicktime",          "audio/mpeg", "audio/mp4",       "audio/ogg",
      "audio/webm", "application/pdf",          "text/plain", "application/zip", "application/octet-stream"};
  // How long a blob no message references is kept after its last upload (the time a client
  // has between uploading and sending). Then the sweep removes it. Default 24 h.
  std::chrono::seconds retention{24 * 3600};
  // How often the background sweep looks for such blobs. Default 10 min.
  std::chrono::seconds sweep_interval{600};
  // Uploads running at once across the server; more get 503 with Retry-After. Each holds a
  // file descriptor and a few KiB; the bound keeps a burst from exhausting descriptors.
  // Default 64.
  std::size_t max_concurrent_uploads = 64;
  // Attachments one message may carry; more is refused (too_large). Default 10.
  std::size_t max_attachments = 10;
  // Longest attachment file name, in bytes; longer is refused (too_large). Default 255, what
  // common filesystems allow.
  std::size_t max_name_bytes = 255;
};

}  // namespace iris::store
