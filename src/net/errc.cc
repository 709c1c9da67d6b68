#include "net/errc.h"

#include <string>

namespace iris::net {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iris.net"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::bad_token: return "malformed or forged token";
      case errc::token_expired: return "token expired";
      case errc::token_mismatch: return "token was issued for another user or device";
      case errc::listen_failed: return "cannot listen on the configured address";
      case errc::tls_setup_failed: return "cannot load the TLS certificate or key";
      case errc::missing_token: return "missing bearer token";
      case errc::no_route: return "no such resource";
      case errc::method_not_allowed: return "method not allowed on this resource";
      case errc::bad_query: return "malformed query parameter or path";
      case errc::body_too_large: return "request too large";
      case errc::unsupported_media_type: return "unsupported content type";
      case errc::shard_busy: return "server busy, retry later";
      case errc::no_discovery: return "this server is not in a cell: connect to it directly";
      case errc::route_unknown: return "no live server is known for this user now, retry later";
      case errc::not_admin: return "this user may not read the deployment report (cluster.admin_users)";
      case errc::report_pending: return "the deployment report is being made, retry in a moment";
      case errc::header_too_large: return "request header fields too large";
      case errc::chunk_extensions_too_large: return "chunk extensions too large";
      case errc::malformed_request: return "malformed HTTP request";
      case errc::unsupported_transfer_encoding: return "unsupported transfer encoding";
      case errc::unsupported_content_encoding: return "unsupported content encoding";
      case errc::bad_content_encoding: return "body does not decode as its content encoding";
      case errc::not_an_upgrade: return "not a WebSocket upgrade request";
      case errc::too_many_polls: return "too many long polls held, retry later";
      case errc::owner_unavailable: return "the server owning this user is not reachable now, retry later";
      case errc::bad_owner_answer: return "the server owning this user gave an answer this server cannot pass on";
    }
    return "unknown net error";
  }
};

}  // namespace

const std::error_category& error_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

}  // namespace iris::net
