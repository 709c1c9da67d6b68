#pragma once
// SmsChannel: irisd's SMS in and out (docs/PROTOCOL.md "SMS"), kept together so the server
// holds one member: the SMS book (open when either is on, sms.numbers written into it), the
// webhook (sms.listen) and its delivery, SMS out (sms.provider_url) and users' number
// verification (sms.verify_from, served by the HTTP API).
//
// Order (server.cc): open() before the MQTT server (the shards notify SMS out), start_in()
// once the shards run (the webhook delivers through them), stop_in() first at stop,
// stop_out() before the queue store closes; the object itself outlives the MQTT server (its
// last completions notify it).

#include <cstdint>
#include <memory>
#include <optional>

#include "net/sms_delivery.h"
#include "net/sms_out.h"
#include "net/sms_verifier.h"
#include "net/sms_webhook.h"
#include "sms/sms_options.h"
#include "store/queue_store.h"
#include "store/sms/sms_book.h"
#include "sync/request_planner.h"

namespace iris::irisd {

class SmsChannel {
 public:
  // `options` and `queue` must outlive the channel.
  SmsChannel(const sms::SmsOptions& options, store::QueueStore& queue) : options_(options), queue_(queue) {}
  ~SmsChannel();

  // Opens the book and starts SMS out, when configured. False (logged) when it cannot.
  bool open();
  // Starts the webhook when sms.listen is set: its port, nullopt when off; false on failure.
  bool start_in(const sync::RequestLimits& limits, sync::ShardRouter& router, std::optional<std::uint16_t>& port);
  void notify(core::UserId user) {
    if (out_) out_->notify(user);
  }
  // Null unless sms.verify_from is set; lives until the channel is destroyed (after the
  // MQTT server, whose HTTP sessions call it).
  net::SmsVerifier* verifier() { return verifier_.get(); }
  void stop_in();
  void stop_out();

 private:
  const sms::SmsOptions& options_;
  store::QueueStore& queue_;
  std::unique_ptr<store::SmsBook> book_;
  std::unique_ptr<net::SmsDelivery> delivery_;
  std::unique_ptr<net::SmsWebhook> webhook_;
  std::unique_ptr<net::SmsOut> out_;
  std::unique_ptr<net::SmsVerifier> verifier_;
  bool verifier_stopped_ = false;
};

}  // namespace iris::irisd
