#pragma once
// LmtpServer: mail in over LMTP (RFC 2033) on mail.lmtp_listen, for an MTA on the same host
// (or behind a firewall: LMTP has no authentication). One thread and io_context of its own
// (ChannelListener, shared with SMS in), so that parsing a large mail never holds up a
// shard's devices; each connection runs a
// mail::LmtpSession and hands each mail to MailDelivery, whose completion (on an owner
// shard) is posted back here and written as the per-recipient replies.
//
// Bounds: mail.max_connections at once (more get 421 and are closed), mail.idle_timeout
// per wait for the peer, and the session's own (line, message, recipients). A delivery in
// progress holds its connection's input (LmtpSession::hold).
//
// Lifecycle: start() binds and starts the thread; stop() closes the listener and every
// connection and joins. Deliveries still running on shards then complete into nothing: the
// MTA sees the connection drop before a 250 and delivers again later, which the message's
// client id makes harmless.

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "base/result.h"
#include "mail/mail_options.h"
#include "net/channel_listener.h"
#include "net/mail_delivery.h"

namespace iris::net {

namespace detail {
struct LmtpShared;
}

class LmtpServer {
 public:
  // `options` and `delivery` must outlive the server.
  LmtpServer(const mail::MailOptions& options, MailDelivery& delivery);
  ~LmtpServer();
  LmtpServer(const LmtpServer&) = delete;
  LmtpServer& operator=(const LmtpServer&) = delete;

  // Binds mail.lmtp_listen ("HOST:PORT") and starts serving; the bound port.
  // net::errc::listen_failed (logged with the reason).
  Result<std::uint16_t> start();
  // Idempotent.
  void stop();

  struct Metrics {
    std::uint64_t connections = 0, refused_connections = 0, mails = 0, delivered = 0, refused = 0;
  };
  Metrics metrics() const;

 private:
  const mail::MailOptions& options_;
  MailDelivery& delivery_;
  std::shared_ptr<detail::LmtpShared> shared_;
  ChannelListener listener_;  // after shared_, which it runs
};

}  // namespace iris::net
