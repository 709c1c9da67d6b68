#pragma once
// HttpsLink: one device's HTTPS connection to irisd for the bandwidth replay (the snapshot
// and the pull baseline's conversation views). HTTP/1.1 with keep-alive on one TLS
// connection, opened on first use and again after irisd closed it; every connection's
// socket bytes are counted (socket_bytes.h). Bodies come back decompressed when the server
// gzip'd them.
//
// Threading: the replay's thread; one request at a time. Dropped connections are kept until
// the link is destroyed, which must be after its io_context stopped running.

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <vector>

#include "apps/iris-bench/bandwidth/tls_link.h"

namespace iris::bench {

struct HttpsResponse {
  unsigned status = 0;
  std::string content_type;
  bool gzipped = false;
  std::string body;  // decompressed
};

class HttpsLink {
 public:
  // `ctx`, `tls` and `session` (when given: see TlsSession) must outlive the link.
  HttpsLink(asio::io_context& ctx, asio::ssl::context& tls, asio::ip::tcp::endpoint to,
            TlsSession* session = nullptr);

  // GET `target` with `Authorization: Bearer token`, `Accept: accept` and
  // `Accept-Encoding: gzip`. Throws on a broken connection or an undecodable body.
  asio::awaitable<HttpsResponse> get(const std::string& target, const std::string& token,
                                     const std::string& accept);
  void drop();
  // Every byte of every connection this link made.
  SocketBytes bytes() const;
  // Connections opened so far (each one is a TCP and a TLS handshake).
  std::size_t connections() const { return connections_.size(); }
  // Of those, the ones that resumed a TLS session.
  std::size_t resumed() const;

 private:
  asio::io_context& ctx_;
  asio::ssl::context& tls_;
  asio::ip::tcp::endpoint to_;
  TlsSession* session_;
  std::vector<std::unique_ptr<TlsLink>> connections_;  // the last one is current if open
};

// Inflates a gzip member (RFC 1952); throws on corrupt input or past `limit` bytes.
std::string gunzip(std::string_view in, std::size_t limit);

}  // namespace iris::bench
