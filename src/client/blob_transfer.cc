#include "client/blob_transfer.h"

#include <openssl/evp.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <vector>

#include "base/log.h"
#include "client/errc.h"
#include "client/file_probe.h"

namespace iris::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

namespace {

// The JSON answer of an upload is small and flat (docs/PROTOCOL.md "Blobs").
constexpr std::size_t kMaxAnswerBytes = 64 * 1024;

// The raw value of "key" in a flat JSON object: a string's contents (the server's values
// here have no escapes: hex, media types) or a literal (number, true/false).
std::optional<std::string> json_field(std::string_view body, std::string_view key) {
  const std::string quoted = fmt::format("\"{}\"", key);
  auto at = body.find(quoted);
  if (at == std::string_view::npos) return std::nullopt;
  at = body.find(':', at + quoted.size());
  if (at == std::string_view::npos) return std::nullopt;
  ++at;
  while (at < body.size() && (body[at] == ' ' || body[at] == '\t')) ++at;
  if (at < body.size() && body[at] == '"') {
    const auto end = body.find('"', at + 1);
    if (end == std::string_view::npos) return std::nullopt;
    return std::string(body.substr(at + 1, end - at - 1));
  }
  const auto end = body.find_first_of(",}", at);
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view v = body.substr(at, end - at);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return std::string(v);
}

std::error_code status_error(unsigned status) {
  switch (status) {
    case 401:
    case 403: return make_error_code(errc::bad_token);
    case 404:
    case 413:
    case 415:
    case 416: return make_error_code(errc::refused);
    case 429:
    case 503: return make_error_code(errc::unavailable);
    default: return make_error_code(errc::protocol);
  }
}

// Runs the io_context until the operation started on it completes (its handler set `ec`).
beast::error_code finish(asio::io_context& io, beast::error_code& ec) {
  ec = asio::error::would_block;
  io.restart();
  io.run();
  return ec;
}

// Connects to `ep` and calls fn(stream, lowest) with the plain or TLS stream and its TCP
// layer (for the per-operation deadlines). Returns what fn returns.
template <typename T, typename Fn>
Result<T> with_stream(const HttpEndpoint& ep, std::chrono::milliseconds idle, Fn&& fn) {
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  auto endpoints = resolver.resolve(ep.host, std::to_string(ep.port), ec);
  if (ec) return fail(errc::unreachable);
  beast::tcp_stream tcp_stream(io);
  tcp_stream.expires_after(idle);
  tcp_stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  if (finish(io, ec) || ec == asio::error::would_block) return fail(errc::unreachable);
  if (!ep.tls) return fn(io, tcp_stream, tcp_stream);
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  if (ep.verify) {
    ctx.set_verify_mode(asio::ssl::verify_peer);
    if (ep.ca_file.empty()) ctx.set_default_verify_paths();
    else ctx.load_verify_file(ep.ca_file, ec);
  }
  beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp_stream), ctx);
  // SNI (RFC 6066); SSL_set_tlsext_host_name is a macro with a C cast.
  SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(ep.host.c_str()));
  auto& lowest = beast::get_lowest_layer(tls);
  lowest.expires_after(idle);
  tls.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
  io.restart();
  ec = asio::error::would_block;
  io.run();
  if (ec) return fail(errc::unreachable);
  return fn(io, tls, lowest);
}

struct MdFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// The SHA-256 of a file, read in 1 MiB pieces; nullopt when it cannot be read.
std::optional<core::BlobId> hash_file(const std::string& path) {
  std::unique_ptr<EVP_MD_CTX, MdFree> sha(EVP_MD_CTX_new());
  if (!sha || EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr) != 1) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    EVP_DigestUpdate(sha.get(), buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return std::nullopt;
  core::BlobId id;
  unsigned int len = 0;
  EVP_DigestFinal_ex(sha.get(), id.bytes.data(), &len);
  return id;
}

}  // namespace

Result<UploadedFile> BlobTransfer::upload(const std::string& path, std::string name,
                                          std::string content_type) const {
  if (name.empty()) name = fs::path(path).filename().string();
  std::string head(kProbeBytes, '\0');
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(errc::file);
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    if (in.bad()) return fail(errc::file);
    head.resize(static_cast<std::size_t>(in.gcount()));
  }
  FileProbe probe = probe_file(head, name);
  if (content_type.empty()) content_type = probe.content_type;

  http::request<http::file_body> req{http::verb::post, "/v1/blobs", 11};
  beast::error_code ec;
  req.body().open(path.c_str(), beast::file_mode::scan, ec);
  if (ec) return fail(errc::file);
  req.set(http::field::host, endpoint_.host);
  req.set(http::field::authorization, "Bearer " + token_);
  req.set(http::field::content_type, content_type);
  req.prepare_payload();  // Content-Length: the file's size, so an oversize one is refused at once

  auto answer = with_stream<http::response<http::string_body>>(
      endpoint_, idle_, [&](asio::io_context& io, auto& stream, beast::tcp_stream& lowest)
                           -> Result<http::response<http::string_body>> {
        http::request_serializer<http::file_body> sr{req};
        beast::error_code wec;
        while (!sr.is_done()) {
          lowest.expires_after(idle_);
          http::async_write_some(stream, sr, [&](beast::error_code e, std::size_t) { wec = e; });
          if (finish(io, wec)) break;  // the server may have answered early (413) and closed
        }
        if (wec && wec != asio::error::would_block) {
          if (wec == beast::error::timeout) return fail(errc::timeout);
        }
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(kMaxAnswerBytes);
        lowest.expires_after(idle_);
        beast::error_code rec;
        http::async_read(stream, buffer, parser, [&](beast::error_code e, std::size_t) { rec = e; });
        if (finish(io, rec)) return fail(rec == beast::error::timeout ? errc::timeout : errc::unreachable);
        return parser.release();
      });
  if (!answer) return fail(answer.error());
  if (answer->result_int() != 200) {
    IRIS_LOG(info, "client.blob", "upload of {}: {}", path, answer->result_int());
    return fail(status_error(answer->result_int()));
  }
  const std::string& body = answer->body();
  const auto blob = json_field(body, "blob");
  const auto size = json_field(body, "size");
  const auto type = json_field(body, "content_type");
  const auto dedup = json_field(body, "deduplicated");
  std::optional<core::BlobId> id = blob ? core::BlobId::from_hex(*blob) : std::nullopt;
  std::uint64_t n = 0;
  if (!id || !size || !type || std::from_chars(size->data(), size->data() + size->size(), n).ec != std::errc()) {
    return fail(errc::protocol);
  }
  UploadedFile out;
  out.attachment.blob = *id;
  out.attachment.content_type = *type;
  out.attachment.size = n;
  out.attachment.name = std::move(name);
  out.attachment.width = probe.width;
  out.attachment.height = probe.height;
  out.deduplicated = dedup == "true";
  return out;
}

Result<std::uint64_t> BlobTransfer::download(const core::BlobId& id, const std::string& path) const {
  const std::string part = path + ".part";
  std::error_code fec;
  std::uint64_t have = fs::exists(part, fec) ? fs::file_size(part, fec) : 0;
  if (fec) have = 0;

  http::request<http::empty_body> req{http::verb::get, "/v1/blobs/" + id.to_hex(), 11};
  req.set(http::field::host, endpoint_.host);
  req.set(http::field::authorization, "Bearer " + token_);
  if (have > 0) req.set(http::field::range, fmt::format("bytes={}-", have));

  auto status = with_stream<unsigned>(endpoint_, idle_, [&](asio::io_context& io, auto& stream,
                                                              beast::tcp_stream& lowest) -> Result<unsigned> {
    beast::error_code ec;
    lowest.expires_after(idle_);
    http::async_write(stream, req, [&](beast::error_code e, std::size_t) { ec = e; });
    if (finish(io, ec)) return fail(errc::unreachable);
    beast::flat_buffer buffer;
    http::response_parser<http::file_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    lowest.expires_after(idle_);
    http::async_read_header(stream, buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
    if (finish(io, ec)) return fail(ec == beast::error::timeout ? errc::timeout : errc::unreachable);
    const unsigned code = parser.get().result_int();
    if (code == 416 && have > 0) return code;  // the .part may already be whole: checked below
    if (code != 200 && code != 206) return fail(status_error(code));
    if (code == 206) {
      // Content-Range: bytes <first>-<last>/<size>: it must continue where the .part ends.
      const std::string_view range = parser.get()[http::field::content_range];
      if (!range.starts_with(fmt::format("bytes {}-", have))) return fail(errc::protocol);
    }
    parser.get().body().open(part.c_str(), code == 206 ? beast::file_mode::append : beast::file_mode::write, ec);
    if (ec) return fail(errc::file);
    while (!parser.is_done()) {
      lowest.expires_after(idle_);
      http::async_read_some(stream, buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
      if (finish(io, ec)) {
        // What arrived stays in the .part: the next call continues from it.
        return fail(ec == beast::error::timeout ? errc::timeout : errc::unreachable);
      }
    }
    parser.get().body().close();
    return code;
  });
  if (!status) return fail(status.error());
  const auto got = hash_file(part);
  if (!got || *got != id) {
    // Not the blob's bytes (a .part of something else, or a changed file): start over next time.
    fs::remove(part, fec);
    IRIS_LOG(warn, "client.blob", "download of {} to {}: the bytes do not match the id", id.to_hex(), path);
    return fail(errc::file);
  }
  const std::uint64_t size = fs::file_size(part, fec);
  if (fec) return fail(errc::file);
  fs::rename(part, path, fec);
  if (fec) return fail(errc::file);
  return size;
}

}  // namespace iris::client
