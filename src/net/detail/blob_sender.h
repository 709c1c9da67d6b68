#pragma once
// async_send_blob: writes a download's response header, then the blob range from the store,
// one chunk at a time (never the whole blob in memory): each chunk is read from the file
// only after the previous one was written, so a slow reader holds one chunk, and its
// socket's write deadline (http.idle_timeout, renewed per chunk) ends a stalled download.
// Used by the HTTP session on its own shard; `keep` holds the session alive until `done`.

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <memory>
#include <vector>

#include "store/blob/blob_store.h"

namespace iris::net::detail {

// Bytes read from the blob and written per step.
inline constexpr std::size_t kBlobChunkBytes = 256 * 1024;

template <class Stream>
class BlobSender : public std::enable_shared_from_this<BlobSender<Stream>> {
 public:
  using Response = boost::beast::http::response<boost::beast::http::empty_body>;
  using Done = std::function<void(boost::system::error_code)>;

  // `stream` must outlive the send (the session owning it is in `keep`).
  BlobSender(Stream& stream, std::shared_ptr<void> keep, Response header,
             std::unique_ptr<store::BlobReader> reader, std::chrono::seconds timeout, Done done)
      : stream_(stream), keep_(std::move(keep)), header_(std::move(header)), serializer_(header_),
        reader_(std::move(reader)), timeout_(timeout), done_(std::move(done)) {}

  void start() {
    boost::beast::get_lowest_layer(stream_).expires_after(timeout_);
    boost::beast::http::async_write_header(
        stream_, serializer_, [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
          if (ec) return self->done_(ec);
          self->pump();
        });
  }

 private:
  void pump() {
    if (!reader_ || reader_->remaining() == 0) return done_({});
    if (chunk_.empty()) chunk_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kBlobChunkBytes, reader_->remaining())));
    auto n = reader_->read(chunk_);
    if (!n || *n == 0) return done_(boost::asio::error::broken_pipe);  // the file failed under us
    boost::beast::get_lowest_layer(stream_).expires_after(timeout_);
    boost::asio::async_write(stream_, boost::asio::buffer(chunk_.data(), *n),
                             [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                               if (ec) return self->done_(ec);
                               self->pump();
                             });
  }

  Stream& stream_;
  std::shared_ptr<void> keep_;
  Response header_;
  boost::beast::http::response_serializer<boost::beast::http::empty_body> serializer_;
  std::unique_ptr<store::BlobReader> reader_;
  std::chrono::seconds timeout_;
  Done done_;
  std::vector<char> chunk_;
};

}  // namespace iris::net::detail

namespace iris::net::detail {

// The header of a download: 200 with the whole blob, or 206 with `range` (docs/PROTOCOL.md
// "Blobs"). nosniff and a sandboxing CSP: a blob is shown as its declared type, never run
// as a page of the API's origin.
inline boost::beast::http::response<boost::beast::http::empty_body> blob_response(
    unsigned version, bool keep_alive, std::string_view type, std::uint64_t size,
    const std::optional<store::ByteRange>& range) {
  namespace http = boost::beast::http;
  http::response<http::empty_body> h;
  h.version(version);
  h.result(range ? http::status::partial_content : http::status::ok);
  h.set(http::field::server, "irisd");
  h.set(http::field::content_type, type);
  h.set(http::field::accept_ranges, "bytes");
  h.set("X-Content-Type-Options", "nosniff");
  h.set("Content-Security-Policy", "sandbox; default-src 'none'");
  h.set(http::field::cache_control, "private, max-age=31536000, immutable");  // content-addressed
  const std::uint64_t length = range ? range->length : size;
  h.set(http::field::content_length, std::to_string(length));
  if (range) {
    h.set(http::field::content_range, "bytes " + std::to_string(range->first) + "-" +
                                          std::to_string(range->first + range->length - 1) + "/" +
                                          std::to_string(size));
  }
  h.keep_alive(keep_alive);
  return h;
}

}  // namespace iris::net::detail
