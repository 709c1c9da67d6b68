#include "net/detail/tls_session.h"

#include <openssl/ssl.h>

namespace iris::net::detail {

void enable_session_resumption(boost::asio::ssl::context& tls, std::chrono::seconds lifetime,
                               std::size_t cache_size) {
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
  if (cache_size > 0) {
    // With the cache on, SSL_OP_NO_TICKET makes TLS 1.3 tickets stateful (the session id).
    // A cached session needs a context id, or OpenSSL refuses to resume it.
    static constexpr unsigned char kContext[] = {'i', 'r', 'i', 's', 'd'};
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, static_cast<long>(cache_size));
    SSL_CTX_set_session_id_context(ctx, kContext, sizeof kContext);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  }
}

void keep_session_on_close(SSL* ssl) {
  if (ssl != nullptr) SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
}

}  // namespace iris::net::detail
