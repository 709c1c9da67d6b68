#include "net/ws_upgrade.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <fmt/format.h>

#include "net/errc.h"
#include "net/http_status.h"

namespace iris::net {

Result<std::string> ws_subprotocol(const HttpRequest& req) {
  if (!boost::beast::websocket::is_upgrade(req)) return fail(errc::not_an_upgrade);
  // Matched as listed tokens: a substring search would answer "mqtt" to a client that offered
  // only "mqttv3.1", which it must then refuse (RFC 6455 §4.1).
  const boost::beast::http::token_list asked(req[boost::beast::http::field::sec_websocket_protocol]);
  for (const char* p : {"mqtt", "mqttv3.1"}) {
    for (const auto offered : asked) {
      if (boost::beast::iequals(offered, p)) return std::string(p);
    }
  }
  return std::string();
}

std::string ws_refusal(std::error_code why) {
  const unsigned status = http_error(why).status;
  const std::string body = why.message() + "\n";
  return fmt::format(
      "HTTP/1.1 {} {}\r\nServer: irisd\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Length: {}\r\nConnection: close\r\n\r\n{}",
      status, std::string_view(boost::beast::http::obsolete_reason(boost::beast::http::int_to_status(status))),
      body.size(), body);
}

}  // namespace iris::net
