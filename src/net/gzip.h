#pragma once
// gzip (RFC 1952) of HTTP bodies: responses are compressed for `Content-Encoding: gzip` when
// the client's Accept-Encoding lists gzip (zlib at level 6, its default: the level HTTP
// servers use); request bodies sent with `Content-Encoding: gzip` are decoded within a bound.

#include <string>
#include <string_view>

#include "base/result.h"

namespace iris::net {

std::string gzip(std::string_view body);

// The decoded bytes of `body`, one or more gzip members (RFC 1952 §2.2). Stops as soon as the
// output would pass `max_bytes` (errc::body_too_large: a zip bomb costs at most `max_bytes`
// plus one step of output), errc::bad_content_encoding for anything that is not a complete
// gzip stream.
Result<std::string> gunzip(std::string_view body, std::size_t max_bytes);

// Whether an Accept-Encoding header value admits gzip (RFC 9110 §12.5.3): "gzip" or "x-gzip"
// listed with no q=0, or "*" with no q=0 when gzip is not listed.
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace iris::net
