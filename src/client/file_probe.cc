#include "client/file_probe.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace iris::client {
namespace {

std::uint32_t be16(std::string_view b, std::size_t at) {
  return (std::uint32_t{static_cast<unsigned char>(b[at])} << 8) | static_cast<unsigned char>(b[at + 1]);
}
std::uint32_t be32(std::string_view b, std::size_t at) { return (be16(b, at) << 16) | be16(b, at + 2); }
std::uint32_t le16(std::string_view b, std::size_t at) {
  return (std::uint32_t{static_cast<unsigned char>(b[at + 1])} << 8) | static_cast<unsigned char>(b[at]);
}

using Size = std::optional<std::pair<std::uint32_t, std::uint32_t>>;

// PNG: signature (8), then the IHDR chunk: length (4), "IHDR", width (4 BE), height (4 BE).
Size png_size(std::string_view b) {
  if (b.size() < 24 || b.substr(12, 4) != "IHDR") return std::nullopt;
  return std::pair{be32(b, 16), be32(b, 20)};
}

// GIF: "GIF87a" / "GIF89a", then the logical screen: width (2 LE), height (2 LE).
Size gif_size(std::string_view b) {
  if (b.size() < 10) return std::nullopt;
  return std::pair{le16(b, 6), le16(b, 8)};
}

// JPEG: SOI (FF D8), then segments FF <marker> <length 2 BE, counting itself> until a start
// of frame (C0-CF but C4 DHT, C8 JPG, CC DAC): precision (1), height (2 BE), width (2 BE).
// Fill bytes (FF FF) are skipped; standalone markers (D0-D9, 01) have no length.
Size jpeg_size(std::string_view b) {
  std::size_t at = 2;
  while (at + 4 <= b.size()) {
    if (static_cast<unsigned char>(b[at]) != 0xFF) return std::nullopt;
    const auto marker = static_cast<unsigned char>(b[at + 1]);
    if (marker == 0xFF) {
      ++at;
      continue;
    }
    if ((marker >= 0xD0 && marker <= 0xD9) || marker == 0x01) {
      at += 2;
      continue;
    }
    const std::uint32_t length = be16(b, at + 2);
    if (length < 2) return std::nullopt;
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (at + 9 > b.size()) return std::nullopt;
      return std::pair{be16(b, at + 7), be16(b, at + 5)};
    }
    if (marker == 0xDA) return std::nullopt;  // start of scan before any frame header
    at += 2 + length;
  }
  return std::nullopt;
}

std::string lower_extension(std::string_view name) {
  const auto dot = name.rfind('.');
  const auto slash = name.find_last_of("/\\");
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return {};
  std::string ext(name.substr(dot + 1));
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kByExtension{{
    {"png", "image/png"},        {"jpg", "image/jpeg"},       {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},        {"webp", "image/webp"},      {"heic", "image/heic"},
    {"mp4", "video/mp4"},        {"webm", "video/webm"},      {"mov", "video/quicktime"},
    {"mp3", "audio/mpeg"},       {"ogg", "audio/ogg"},        {"pdf", "application/pdf"},
    {"txt", "text/plain"},       {"zip", "application/zip"},
}};

}  // namespace

FileProbe probe_file(std::string_view head, std::string_view name) {
  head = head.substr(0, std::min(head.size(), kProbeBytes));
  FileProbe out;
  Size size;
  if (head.starts_with("\x89PNG\r\n\x1a\n")) {
    out.content_type = "image/png";
    size = png_size(head);
  } else if (head.starts_with("\xFF\xD8\xFF")) {
    out.content_type = "image/jpeg";
    size = jpeg_size(head);
  } else if (head.starts_with("GIF87a") || head.starts_with("GIF89a")) {
    out.content_type = "image/gif";
    size = gif_size(head);
  } else if (head.starts_with("%PDF-")) {
    out.content_type = "application/pdf";
  } else if (head.size() >= 12 && head.starts_with("RIFF") && head.substr(8, 4) == "WEBP") {
    out.content_type = "image/webp";
  } else {
    const std::string ext = lower_extension(name);
    for (const auto& [e, type] : kByExtension) {
      if (e == ext) out.content_type = std::string(type);
    }
    if (out.content_type.empty()) out.content_type = "application/octet-stream";
  }
  if (size && size->first > 0 && size->second > 0) {
    out.width = size->first;
    out.height = size->second;
  }
  return out;
}

}  // namespace iris::client
