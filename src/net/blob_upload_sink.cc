#include "net/detail/blob_upload_sink.h"

#include <charconv>

#include "net/errc.h"
#include "net/http_api_request.h"
#include "net/http_route.h"

namespace iris::net::detail {
namespace {

namespace http = boost::beast::http;

std::chrono::sys_seconds now_s() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

}  // namespace

std::optional<std::uint64_t> BlobUploadSink::streams(std::string_view method, std::string_view target) {
  if (!is_blob_upload(method, target)) return std::nullopt;
  return blobs_.options().max_bytes;
}

std::error_code BlobUploadSink::begin(const HttpRequest& header, bool gzip) {
  upload_.reset();
  const ApiRequest api = read_api_request(header, RouteLimits{}, signer_, now_s());
  if (!api.user) return api.user.error();
  // Blobs are stored as sent and named for those bytes; a compressed transfer would make
  // the id depend on the client's compressor.
  if (gzip) return errc::unsupported_content_encoding;
  std::optional<std::uint64_t> declared;
  const std::string_view length = header[http::field::content_length];
  if (std::uint64_t n = 0; !length.empty() && std::from_chars(length.data(), length.data() + length.size(), n).ec == std::errc()) {
    declared = n;
  }
  auto up = blobs_.begin_upload(*api.user, header[http::field::content_type], declared);
  if (!up) return up.error();
  upload_ = std::move(*up);
  return {};
}

std::error_code BlobUploadSink::write(std::string_view bytes) {
  if (!upload_) return errc::malformed_request;
  auto r = upload_->write(bytes);
  if (!r) {
    upload_.reset();
    return r.error();
  }
  return {};
}

Result<store::UploadedBlob> BlobUploadSink::finish() {
  if (!upload_) return fail(errc::malformed_request);
  auto done = upload_->finish(std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
  upload_.reset();
  return done;
}

}  // namespace iris::net::detail
