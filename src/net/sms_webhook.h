#pragma once
// SmsWebhook: SMS in, the provider's webhook `POST /v1/sms/inbound` on sms.listen
// (docs/PROTOCOL.md "SMS in"). One thread and io_context of its own (ChannelListener, shared
// with LMTP): the provider is outside, and a slow one never holds up a shard's devices.
//
// Each request: at most sms.max_request_bytes of body (413 past it, before it is kept),
// form-encoded (sms/webhook.h parse_form, sms.max_fields), the X-Twilio-Signature header
// checked against sms.auth_token over sms.webhook_url (or http://Host + target) in constant
// time: a bad or missing one is 403 and nothing is stored. Then SmsDelivery, and the answer
// only once it is done (200 with an empty TwiML <Response/>: the message is durable).
// One request per connection (Connection: close); sms.max_connections at once (more are
// closed at accept), sms.idle_timeout for the whole request.

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "base/result.h"
#include "net/channel_listener.h"
#include "net/sms_delivery.h"
#include "sms/sms_options.h"

namespace iris::net {

namespace detail {
struct SmsShared;
}

class SmsWebhook {
 public:
  // `options` and `delivery` must outlive the server.
  SmsWebhook(const sms::SmsOptions& options, SmsDelivery& delivery);
  ~SmsWebhook();
  SmsWebhook(const SmsWebhook&) = delete;
  SmsWebhook& operator=(const SmsWebhook&) = delete;

  // Binds sms.listen ("HOST:PORT") and starts serving; the bound port.
  Result<std::uint16_t> start();
  // Idempotent. Deliveries still on shards complete into nothing: the provider sees no 200
  // and retries, which MessageSid makes harmless.
  void stop();

  struct Metrics {
    std::uint64_t requests = 0, delivered = 0, bad_signature = 0, refused = 0;
  };
  Metrics metrics() const;

 private:
  const sms::SmsOptions& options_;
  SmsDelivery& delivery_;
  std::shared_ptr<detail::SmsShared> shared_;
  ChannelListener listener_;  // after shared_, which it runs
};

}  // namespace iris::net
