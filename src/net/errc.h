#pragma once
// Errors of the network layer: authentication, listeners, TLS setup.

#include <system_error>

namespace iris::net {

enum class errc {
  // A token that does not parse or whose MAC does not match the server's secret.
  bad_token = 1,
  // A well-formed token past its expiry time.
  token_expired,
  // The token is valid but names another user or device than the connection claims.
  token_mismatch,
  // A listener could not bind or listen (address in use, permission).
  listen_failed,
  // The TLS certificate or key could not be loaded.
  tls_setup_failed,
};

const std::error_category& error_category();
std::error_code make_error_code(errc e);

}  // namespace iris::net

template <>
struct std::is_error_code_enum<iris::net::errc> : std::true_type {};
