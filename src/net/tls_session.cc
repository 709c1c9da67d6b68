#include "net/detail/tls_session.h"

#include <openssl/ssl.h>

namespace iris::net::detail {

void enable_session_resumption(boost::asio::ssl::context& tls, std::chrono::seconds lifetime) {
  SSL_CTX* ctx = tls.native_handle();
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (lifetime.count() <= 0) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    return;
  }
  // OpenSSL sends two tickets by default (for clients that open parallel connections); a
  // device holds one connection per listener, so one ticket is enough and saves ~250 bytes.
  SSL_CTX_set_num_tickets(ctx, 1);
  SSL_CTX_set_timeout(ctx, static_cast<long>(lifetime.count()));
}

}  // namespace iris::net::detail
