#include "net/http_request_reader.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <algorithm>
#include <cstring>
#include <exception>
#include <limits>
#include <vector>

#include "net/errc.h"
#include "net/gzip.h"

namespace iris::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

// Beast's fields store a field's name and value offsets as uint16_t and throw
// std::length_error past it (basic_fields::new_element): name or value + 2 must fit.
constexpr std::size_t kMaxFieldPart = std::numeric_limits<std::uint16_t>::max() - 2;

// What a chunk line holds besides its extensions: up to 16 hex digits of size, CRLFs.
constexpr std::size_t kChunkLineSlack = 64;
// The shortest end of a chunked body, "0\r\n\r\n" (see holds_short_last_chunk()).
constexpr std::size_t kChunkedEndBytes = 5;

std::error_code refusal_of(beast::error_code ec) {
  if (ec == http::error::header_limit) return errc::header_too_large;
  if (ec == http::error::body_limit || ec == http::error::buffer_overflow) return errc::body_too_large;
  return errc::malformed_request;
}

}  // namespace

// Beast's request parser, with every callback checked: a field too large for Beast's
// container and the limits Beast does not know (trailer bytes, chunk extensions, transfer and
// content codings) stop the parse with `refusal` set instead of throwing.
class HttpRequestReader::Parser final : public http::basic_parser<true> {
 public:
  Parser(const HttpOptions& limits, BodySink* sink) : limits_(limits), sink_(sink) {
    header_limit(static_cast<std::uint32_t>(std::min(limits.max_header_bytes, HttpOptions::kMaxFieldSectionBytes)));
    body_limit(limits.max_body_bytes);
  }

  HttpRequest& get() { return message_; }
  const HttpRequest& get() const { return message_; }
  // Why a callback stopped the parse (the parser's own error code is then only a carrier).
  std::error_code refusal;
  // The body is gzip-coded (Content-Encoding lists gzip or x-gzip once).
  bool gzip = false;
  // The body goes to sink_ (it said so at the request line).
  bool streaming = false;

 private:
  void stop(errc why, beast::error_code& ec) {
    refusal = why;
    ec = http::error::bad_value;
  }

  void on_request_impl(http::verb method, beast::string_view method_str, beast::string_view target,
                       int version, beast::error_code&) override {
    message_.target(target);
    if (method != http::verb::unknown) {
      message_.method(method);
    } else {
      message_.method_string(method_str);
    }
    message_.version(version);
    if (sink_ != nullptr) {
      if (const auto limit = sink_->streams(std::string_view(method_str), std::string_view(target))) {
        streaming = true;
        body_limit(*limit);
      }
    }
  }

  void on_response_impl(int, beast::string_view, int, beast::error_code& ec) override {
    ec = http::error::bad_version;  // a request parser never sees a status line
  }

  void on_field_impl(http::field name, beast::string_view name_string, beast::string_view value,
                     beast::error_code& ec) override {
    if (is_header_done()) {
      // A trailer field (RFC 9112 §7.1.2): counted and dropped.
      trailer_bytes_ += name_string.size() + value.size() + 4;
      if (trailer_bytes_ > limits_.max_trailer_bytes) stop(errc::header_too_large, ec);
      return;
    }
    if (name_string.size() > kMaxFieldPart || value.size() > kMaxFieldPart) {
      return stop(errc::header_too_large, ec);
    }
    message_.insert(name, name_string, value);
  }

  void on_header_impl(beast::error_code& ec) override {
    // Transfer-Encoding (RFC 9112 §6.1, §6.3): chunked, once and last, and nothing else.
    const auto transfer = codings(http::field::transfer_encoding);
    const auto chunked = static_cast<std::size_t>(
        std::count_if(transfer.begin(), transfer.end(), [](auto c) { return beast::iequals(c, "chunked"); }));
    if (!transfer.empty() && (!beast::iequals(transfer.back(), "chunked") || chunked > 1)) {
      return stop(errc::malformed_request, ec);
    }
    if (transfer.size() > chunked) return stop(errc::unsupported_transfer_encoding, ec);
    // Content-Encoding (RFC 9110 §8.4): gzip (x-gzip) once, identity; anything else is 415.
    std::size_t gzips = 0;
    for (const auto coding : codings(http::field::content_encoding)) {
      if (beast::iequals(coding, "gzip") || beast::iequals(coding, "x-gzip")) {
        ++gzips;
      } else if (!beast::iequals(coding, "identity")) {
        return stop(errc::unsupported_content_encoding, ec);
      }
    }
    if (gzips > 1) return stop(errc::unsupported_content_encoding, ec);
    gzip = gzips == 1;
    if (streaming) {
      if (const auto why = sink_->begin(message_, gzip)) {
        refusal = why;
        ec = http::error::bad_value;
      }
    }
  }

  // The codings a field lists, over every instance of the field, in order.
  std::vector<beast::string_view> codings(http::field f) const {
    std::vector<beast::string_view> out;
    const auto [first, last] = message_.equal_range(f);
    for (auto it = first; it != last; ++it) {
      for (const auto coding : http::token_list(it->value())) out.push_back(coding);
    }
    return out;
  }

  void on_body_init_impl(const boost::optional<std::uint64_t>&, beast::error_code&) override {}

  std::size_t on_body_impl(beast::string_view body, beast::error_code& ec) override {
    // Beast holds the body to body_limit (Content-Length and chunk sizes are checked first).
    take(body, ec);
    return body.size();
  }

  void take(beast::string_view body, beast::error_code& ec) {
    if (!streaming) {
      message_.body().append(body.data(), body.size());
    } else if (const auto why = sink_->write(std::string_view(body.data(), body.size()))) {
      refusal = why;
      ec = http::error::bad_value;
    }
  }

  void on_chunk_header_impl(std::uint64_t, beast::string_view extensions,
                            beast::error_code& ec) override {
    extension_bytes_ += extensions.size();
    if (extension_bytes_ > limits_.max_chunk_extension_bytes) stop(errc::chunk_extensions_too_large, ec);
  }

  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, beast::error_code& ec) override {
    take(body, ec);
    return body.size();
  }

  void on_finish_impl(beast::error_code&) override {}

  const HttpOptions& limits_;
  BodySink* sink_;  // may be null; must outlive the parser
  HttpRequest message_;
  std::size_t trailer_bytes_ = 0;
  std::size_t extension_bytes_ = 0;
};

HttpRequestReader::HttpRequestReader(const HttpOptions& limits, BodySink* sink)
    : limits_(limits), sink_(sink), parser_(std::make_unique<Parser>(limits, sink)) {}

HttpRequestReader::~HttpRequestReader() = default;

boost::asio::mutable_buffer HttpRequestReader::prepare() { return buffer_.prepare(kReadSize); }

HttpRequestReader::Status HttpRequestReader::commit(std::size_t n) {
  buffer_.commit(n);
  return parse();
}

HttpRequestReader::Status HttpRequestReader::feed(std::string_view bytes) {
  while (!bytes.empty() && status_ == Status::need_more) {
    const std::size_t n = std::min(bytes.size(), kReadSize);
    std::memcpy(prepare().data(), bytes.data(), n);
    bytes.remove_prefix(n);
    commit(n);
  }
  return status_;
}

HttpRequestReader::Status HttpRequestReader::eof() {
  if (status_ == Status::need_more) status_ = Status::closed;
  return status_;
}

HttpRequest& HttpRequestReader::request() { return parser_->get(); }

const HttpRequest& HttpRequestReader::header() const { return parser_->get(); }

HttpRequestReader::Status HttpRequestReader::next() {
  parser_ = std::make_unique<Parser>(limits_, sink_);
  status_ = Status::need_more;
  return parse();
}

HttpRequestReader::Status HttpRequestReader::parse() {
  // Beast reports a malformed request by error code; what could still throw here is an
  // allocation failing, which must end this one connection, not the shard's thread.
  try {
    while (buffer_.size() > 0 && !parser_->is_done()) {
      if (holds_short_last_chunk()) break;
      beast::error_code ec;
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (parser_->refusal) return refuse(parser_->refusal);
      if (ec == http::error::need_more) break;
      if (ec) return refuse(refusal_of(ec));
      if (used == 0) break;
    }
  } catch (const std::exception&) {
    return refuse(errc::malformed_request);
  }
  if (parser_->is_done()) return finish_body();
  if (buffer_.size() > pending_limit()) {
    if (!parser_->is_header_done()) return refuse(errc::header_too_large);
    // Within a chunked body Beast waits for the end of a chunk line, or, once the last chunk's
    // line is complete, for the end of the trailer section.
    std::string_view pending(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    if (pending.starts_with("\r\n")) pending.remove_prefix(2);
    return refuse(pending.find("\r\n") == std::string_view::npos ? errc::chunk_extensions_too_large
                                                                 : errc::header_too_large);
  }
  return status_ = Status::need_more;
}

bool HttpRequestReader::holds_short_last_chunk() const {
  // Beast asserts that once it has seen a chunked body's last-chunk line ("0\r\n") and waits
  // for the trailer section, it is re-entered with at least 5 bytes (basic_parser.ipp,
  // parse_chunk_header: `n >= 5`); a body whose only chunk is the last one breaks that when
  // its bytes come one by one. The end of a chunked body is itself at least that long, so
  // holding such a tail back until it is never delays a complete request.
  if (!parser_->is_header_done() || !parser_->chunked() || buffer_.size() >= kChunkedEndBytes) {
    return false;
  }
  const std::string_view pending(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  return pending.front() == '0' && pending.find("\r\n") != std::string_view::npos;
}

std::size_t HttpRequestReader::pending_limit() const {
  if (!parser_->is_header_done()) return std::min(limits_.max_header_bytes, HttpOptions::kMaxFieldSectionBytes);
  return std::max(limits_.max_trailer_bytes, limits_.max_chunk_extension_bytes) + kChunkLineSlack;
}

bool HttpRequestReader::streamed() const { return parser_->streaming; }

bool HttpRequestReader::wants_continue() const {
  if (status_ != Status::need_more || !parser_->is_header_done() || parser_->is_done()) return false;
  return beast::iequals(parser_->get()[http::field::expect], "100-continue");
}

HttpRequestReader::Status HttpRequestReader::finish_body() {
  HttpRequest& req = parser_->get();
  if (parser_->gzip && !parser_->streaming && !req.body().empty()) {
    auto decoded = gunzip(req.body(), limits_.max_body_bytes);
    if (!decoded) return refuse(decoded.error());
    req.body() = std::move(*decoded);
    req.erase(http::field::content_encoding);
  }
  return status_ = Status::done;
}

HttpRequestReader::Status HttpRequestReader::refuse(std::error_code why) {
  refusal_ = why;
  return status_ = Status::refused;
}

}  // namespace iris::net
