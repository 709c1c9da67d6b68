// libFuzzer target: the bytes a client sends to the HTTP API port or the WebSocket port, run
// through the code the server runs on them, without a socket: HttpRequestReader (Beast's
// parser with every limit, gzip bodies), then for each request either what the API session
// makes of it (net/http_api_request.h: route, bearer token, body decoding) or the WebSocket
// upgrade's checks (net/ws_upgrade.h), and each refusal's status and wire answer. Pipelined
// requests are read one after the other, as on a keep-alive connection.
//
// Checks that nothing throws or crashes, that a request the reader completes holds no more
// body than http.max_body_bytes, and that every refusal maps to a 4xx/5xx the server sends.
//
// Input: [flags][split seed] bytes...
//   flags bit 0: the WebSocket port (else the API port); bit 1: small limits (so the limits'
//   edges are reached in short inputs). The split seed cuts the bytes into reads of varying
//   sizes, as a socket would deliver them.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/http_api_request.h"
#include "net/http_request_reader.h"
#include "net/http_status.h"
#include "net/ws_upgrade.h"

using namespace iris::net;

namespace {

const TokenSigner& signer() {
  static const TokenSigner s("fuzz-secret-0123456789abcdef");
  return s;
}

void check_refusal(std::error_code why, bool ws) {
  const HttpError e = http_error(why);
  if (e.status < 400 || e.status > 599) std::abort();
  if (ws && ws_refusal(why).empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool ws = (data[0] & 1) != 0;
  HttpOptions limits;
  if ((data[0] & 2) != 0) {
    limits.max_body_bytes = 64;
    limits.max_header_bytes = 256;
    limits.max_trailer_bytes = 32;
    limits.max_chunk_extension_bytes = 16;
  }
  std::uint32_t seed = data[1] | 1u;
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  const RouteLimits routes;
  const std::chrono::sys_seconds now{std::chrono::seconds(1'700'000'000)};

  HttpRequestReader reader(limits);
  for (int requests = 0; requests < 16;) {
    switch (reader.status()) {
      case HttpRequestReader::Status::need_more: {
        if (input.empty()) {
          reader.eof();
          break;
        }
        seed = seed * 1103515245u + 12345u;
        const std::size_t n = std::min<std::size_t>(input.size(), 1 + (seed >> 16) % 97);
        reader.feed(input.substr(0, n));
        input.remove_prefix(n);
        continue;
      }
      case HttpRequestReader::Status::done: {
        ++requests;
        const HttpRequest& req = reader.request();
        if (req.body().size() > limits.max_body_bytes) std::abort();
        if (ws) {
          // The upgrade is the connection's only request.
          if (auto chosen = ws_subprotocol(req); !chosen) check_refusal(chosen.error(), true);
          return 0;
        }
        const ApiRequest api = read_api_request(req, routes, &signer(), now);
        if (!api.route) check_refusal(api.route.error(), false);
        if (!api.user) check_refusal(api.user.error(), false);
        if (!api.body) (void)http_error(api.body.error());
        reader.next();
        continue;
      }
      case HttpRequestReader::Status::refused:
        check_refusal(reader.refusal(), ws);
        (void)wants_json(reader.header());
        return 0;
      case HttpRequestReader::Status::closed:
        return 0;
    }
  }
  return 0;
}
