#pragma once
// SmsOut: SMS out (docs/PROTOCOL.md "SMS out"). A user's message in a thread with an SMS
// participant is POSTed to sms.provider_url (form-encoded To, From, Body; basic auth), in
// the provider's Messages shape (Twilio's).
//
// Like mail out, no outbox of its own: a send to a thread is acknowledged once it is durable
// in every participant's queue, the SMS participant's too, so SmsOut is one more consumer of
// that queue (ExternalOut's turns) with its own cursor, `device:sms-out`, moved past a
// message only after the provider answered 2xx for it (or refused it for good: any 4xx but
// 429, logged and counted). 429, 5xx, no answer and timeouts leave the cursor where it is:
// tried again after a backoff. A crash between the provider's 2xx and the cursor write sends
// that SMS again: the one duplicate an HTTP client without an idempotency key at the
// provider cannot rule out.
//
// The SMS is sent from the replying user's first verified number (store/sms/sms_book.h); a
// user without one cannot text (given up, logged). Messages from the SMS participant itself
// (SMS in) are not sent back; queues of external identities that are not SMS participants
// (mail) are left at once.

#include <cstdint>
#include <mutex>

#include "net/external_out.h"
#include "sms/outgoing.h"
#include "sms/sms_options.h"
#include "store/queue_store.h"
#include "store/sms/sms_book.h"

namespace iris::net {

class SmsOut final : public ExternalOut {
 public:
  struct Metrics {
    std::uint64_t sent = 0;       // SMS the provider accepted (2xx)
    std::uint64_t temporary = 0;  // tries that failed for now (retried)
    std::uint64_t given_up = 0;   // refused for good, or without a sender number
  };

  // `options`, `queue` and `book` must outlive the SmsOut. Requires a valid provider_url.
  SmsOut(const sms::SmsOptions& options, store::QueueStore& queue, store::SmsBook& book);
  ~SmsOut() override;
  Metrics metrics() const;

 private:
  bool accepts(core::UserId user) const override;
  void scan() override;
  Turn serve(core::UserId user) override;
  sms::Verdict send(const core::Update& update, const std::string& to);

  const sms::SmsOptions& options_;
  ChannelCursor cursor_;  // device:sms-out
  store::SmsBook& book_;
  sms::HttpUrl url_;
  mutable std::mutex mu_;
  Metrics metrics_;  // by mu_
};

}  // namespace iris::net
