#include "net/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "base/assert.h"
#include "net/errc.h"

namespace iris::net {

std::string gzip(std::string_view body) {
  z_stream z{};
  // 16 + window bits: a gzip header and trailer instead of zlib's.
  const int rc = deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  IRIS_ASSERT(rc == Z_OK, "deflateInit2 fails only without memory");
  std::string out(deflateBound(&z, static_cast<uLong>(body.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int end = deflate(&z, Z_FINISH);
  IRIS_ASSERT(end == Z_STREAM_END, "deflateBound leaves room for the whole stream");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

Result<std::string> gunzip(std::string_view body, std::size_t max_bytes) {
  // Output grows in steps, so a small body never reserves max_bytes up front.
  constexpr std::size_t kStep = 16 * 1024;
  z_stream z{};
  // 16 + window bits: gzip only (a zlib or raw deflate stream is not `gzip`).
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return fail(errc::bad_content_encoding);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  std::string out;
  std::size_t produced = 0;
  std::error_code error;
  for (;;) {
    if (z.avail_out == 0) {
      // One byte of room past the limit is enough to know the body is over it.
      if (produced > max_bytes) {
        error = errc::body_too_large;
        break;
      }
      out.resize(std::min(produced + kStep, max_bytes + 1));
      z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
      z.avail_out = static_cast<uInt>(out.size() - produced);
    }
    const uInt room = z.avail_out;
    const int rc = inflate(&z, Z_NO_FLUSH);
    produced += room - z.avail_out;
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      // Another member follows (RFC 1952 §2.2: a gzip file is a series of members).
      if (inflateReset(&z) != Z_OK) {
        error = errc::bad_content_encoding;
        break;
      }
      continue;
    }
    if (rc == Z_OK || (rc == Z_BUF_ERROR && z.avail_out == 0)) continue;  // the loop adds room
    error = errc::bad_content_encoding;  // Z_DATA_ERROR, or Z_BUF_ERROR on truncated input
    break;
  }
  inflateEnd(&z);
  if (!error && produced > max_bytes) error = errc::body_too_large;
  if (error) return fail(error);
  out.resize(produced);
  return out;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

// q=0 (also 0.0, 0.000) refuses a coding.
bool refused(std::string_view params) {
  while (!params.empty()) {
    const auto semi = params.find(';');
    const auto p = trim(params.substr(0, semi));
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      const auto v = p.substr(2);
      return !v.empty() && v.find_first_not_of("0.") == std::string_view::npos;
    }
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
  }
  return false;
}

}  // namespace

bool accepts_gzip(std::string_view header) {
  std::optional<bool> gzip_listed, star;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const auto item = header.substr(0, comma);
    const auto semi = item.find(';');
    const auto coding = trim(item.substr(0, semi));
    const auto params = semi == std::string_view::npos ? std::string_view{} : item.substr(semi + 1);
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) gzip_listed = !refused(params);
    if (coding == "*") star = !refused(params);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
  }
  if (gzip_listed) return *gzip_listed;
  return star.value_or(false);
}

}  // namespace iris::net
