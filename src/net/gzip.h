#pragma once
// gzip (RFC 1952) of an HTTP response body, for `Content-Encoding: gzip` when the client's
// Accept-Encoding lists gzip. zlib at level 6, its default: the level HTTP servers use.

#include <string>
#include <string_view>

namespace iris::net {

std::string gzip(std::string_view body);

// Whether an Accept-Encoding header value admits gzip (RFC 9110 §12.5.3): "gzip" or "x-gzip"
// listed with no q=0, or "*" with no q=0 when gzip is not listed.
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace iris::net
