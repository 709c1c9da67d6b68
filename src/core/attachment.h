#pragma once
// Attachments: a message's references to blobs (docs/PROTOCOL.md "Blobs"). A blob is named by
// the SHA-256 of its bytes (BlobId), so the same bytes are one blob however often they are
// uploaded; the reference carries what a device needs to show it before downloading it.
// Pure values: the blob store (store/blob/) holds the bytes, sync/ checks a reference
// against it before a send is accepted.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iris::core {

struct BlobId {
  std::array<std::uint8_t, 32> bytes{};  // SHA-256 of the content
  auto operator<=>(const BlobId&) const = default;

  // 64 lowercase hex digits: the spelling of URLs, the wire and file names.
  std::string to_hex() const;
  // Exactly 64 hex digits, lowercase only (one spelling per blob, as ids have one); else nullopt.
  static std::optional<BlobId> from_hex(std::string_view hex);
};

struct Attachment {
  BlobId blob;
  std::string content_type;  // as uploaded, e.g. "image/png"
  std::uint64_t size = 0;    // bytes, as uploaded
  std::string name;          // the file name the sender gave; may be empty
  // Pixel dimensions of an image, when the sender gave them (never checked by the server).
  std::optional<std::uint32_t> width;
  std::optional<std::uint32_t> height;
  bool operator==(const Attachment&) const = default;
};

}  // namespace iris::core
