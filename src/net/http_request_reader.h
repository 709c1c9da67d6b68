#pragma once
// HttpRequestReader: turns the bytes of one connection into HTTP/1.1 requests, every limit of
// HttpOptions enforced, without a socket: the HTTP API session and the WebSocket upgrade feed
// it what they read, the unit tests and the libFuzzer target (net/fuzz/http_fuzz.cc) feed it
// buffers. It never throws for any input: Beast's parser is driven through a subclass that
// checks each field before Beast's field container could refuse it with an exception (it
// keeps name and value offsets in 16 bits), and what Beast itself does not bound (a trailer
// section, chunk extensions: it scans for their end in whatever it has buffered) is bounded
// here by how much unparsed input may wait.
//
// Refusals (refusal(), a net::errc that net/http_status.h maps to the status):
//   header_too_large (431)            request line + headers > max_header_bytes, one field
//                                     Beast cannot hold, trailers > max_trailer_bytes
//   body_too_large (413)              body > max_body_bytes as sent or once gzip-decoded
//   chunk_extensions_too_large (413)  chunk extensions > max_chunk_extension_bytes
//   malformed_request (400)           anything that does not parse; a Transfer-Encoding
//                                     that does not end in chunked
//   unsupported_transfer_encoding (501), unsupported_content_encoding (415),
//   bad_content_encoding (400)        a gzip body that does not decode
// Trailer fields are dropped: they must not add to the header a request was checked with.
//
// Streamed bodies (BodySink): the reader's sink (constructor) is asked at each request line
// whether it takes that request's body; if so, the body goes to it piece by piece as it is
// parsed (never buffered whole: POST /v1/blobs), held to the limit the sink names instead of
// max_body_bytes, and request().body() stays empty. A sink's refusal is the request's.
//
// One request at a time: after done(), request() holds it (body decoded, Content-Encoding
// removed) and next() starts the following one, keeping bytes already read (pipelining).
// Not thread-safe; lives on its session's shard.

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>

#include "net/net_options.h"

namespace iris::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

class HttpRequestReader {
 public:
  class BodySink {
   public:
    virtual ~BodySink() = default;
    // At the request line: the largest body this sink takes for `method` and `target`, or
    // nullopt when the request's body is buffered as usual.
    virtual std::optional<std::uint64_t> streams(std::string_view method, std::string_view target) = 0;
    // The header is complete (a Content-Length is within the limit): an error refuses the
    // request (its status via net/http_status.h). `gzip`: the body is Content-Encoding gzip.
    virtual std::error_code begin(const HttpRequest& header, bool gzip) = 0;
    // The next piece of the body, in order; an error refuses the request.
    virtual std::error_code write(std::string_view bytes) = 0;
  };

  enum class Status : std::uint8_t {
    need_more,  // read more and commit() it
    done,       // request() is complete
    refused,    // refusal() says why; answer it and close the connection
    closed,     // the peer ended the connection (between requests, or within one)
  };

  // `limits` must outlive the reader (it is the server's HttpOptions); so must `sink` (null:
  // every body is buffered).
  explicit HttpRequestReader(const HttpOptions& limits, BodySink* sink = nullptr);
  ~HttpRequestReader();
  HttpRequestReader(const HttpRequestReader&) = delete;
  HttpRequestReader& operator=(const HttpRequestReader&) = delete;

  // Room for the next read: at most kReadSize bytes.
  boost::asio::mutable_buffer prepare();
  // The read wrote `n` bytes into prepare()'s buffer: parse what can be parsed.
  Status commit(std::size_t n);
  // Copies `bytes` in and parses them (tests, the fuzz target).
  Status feed(std::string_view bytes);
  // The peer closed its side (a read returned end of file).
  Status eof();

  Status status() const { return status_; }
  // Requires: status() == done.
  HttpRequest& request();
  // Requires: status() == refused.
  std::error_code refusal() const { return refusal_; }
  // The current request's start line and the fields parsed so far (a refusal is encoded as
  // their Accept asks, when it came before the refusal).
  const HttpRequest& header() const;
  // Starts the next request on the connection. Requires: status() == done.
  Status next();

  // The current request's body went to the sink.
  bool streamed() const;
  // The header is complete, accepted, and asks `Expect: 100-continue` (RFC 9110 §10.1.1)
  // while its body is still to come: the session answers 100 once before reading on.
  bool wants_continue() const;

  static constexpr std::size_t kReadSize = 16 * 1024;

 private:
  class Parser;
  Status parse();
  Status refuse(std::error_code why);
  Status finish_body();
  // How much unparsed input may wait in the buffer at the parser's current point.
  std::size_t pending_limit() const;
  // Whether the buffer is a chunked body's last-chunk line too short to hand to Beast yet.
  bool holds_short_last_chunk() const;

  const HttpOptions& limits_;
  BodySink* sink_ = nullptr;  // may be null; must outlive the reader
  boost::beast::flat_buffer buffer_;
  std::unique_ptr<Parser> parser_;
  Status status_ = Status::need_more;
  std::error_code refusal_;
};

}  // namespace iris::net
