#include "apps/irisd/sms_channel.h"

#include "base/log.h"
#include "core/ids.h"

namespace iris::irisd {

SmsChannel::~SmsChannel() {
  stop_in();
  stop_out();
}

bool SmsChannel::open() {
  if (options_.listen.empty() && options_.provider_url.empty()) return true;
  auto book = store::SmsBook::open(options_.book_path);
  if (!book) {
    IRIS_LOG(error, "irisd", "cannot open the SMS book at {}: {}", options_.book_path, book.error().message());
    return false;
  }
  book_ = std::move(*book);
  // sms.numbers was checked when parsed (config.cc).
  std::string_view rest = options_.numbers;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const auto eq = item.find('=');
    const auto id = core::parse_id(item.substr(0, eq));
    auto number = sms::normalize_number(item.substr(eq + 1));
    if (!id || !number || !book_->assign(*number, core::UserId{*id})) {
      IRIS_LOG(error, "irisd", "sms.numbers: cannot assign '{}'", item);
      return false;
    }
  }
  if (!options_.provider_url.empty()) {
    out_ = std::make_unique<net::SmsOut>(options_, queue_, *book_);
    out_->start();
    IRIS_LOG(info, "irisd", "SMS out: POST to {}", options_.provider_url);
  }
  if (!options_.verify_from.empty()) {
    verifier_ = std::make_unique<net::SmsVerifier>(options_, *book_);
    verifier_->start();
    IRIS_LOG(info, "irisd", "SMS number verification: codes texted from {}, valid {} s", options_.verify_from,
             options_.verify_code_ttl.count());
  }
  return true;
}

bool SmsChannel::start_in(const sync::RequestLimits& limits, sync::ShardRouter& router,
                          std::optional<std::uint16_t>& port) {
  if (options_.listen.empty()) return true;
  delivery_ = std::make_unique<net::SmsDelivery>(limits, router, *book_);
  webhook_ = std::make_unique<net::SmsWebhook>(options_, *delivery_);
  auto bound = webhook_->start();
  if (!bound) return false;
  port = *bound;
  IRIS_LOG(info, "irisd", "SMS in: webhook POST /v1/sms/inbound on {} (port {})", options_.listen, *bound);
  return true;
}

void SmsChannel::stop_in() {
  if (!webhook_) return;
  webhook_->stop();
  const auto m = webhook_->metrics();
  IRIS_LOG(info, "irisd", "SMS in stopped: {} requests, {} delivered, {} bad signatures, {} refused", m.requests,
           m.delivered, m.bad_signature, m.refused);
  webhook_.reset();
}

void SmsChannel::stop_out() {
  if (verifier_ && !verifier_stopped_) {
    verifier_stopped_ = true;
    verifier_->stop();
    const auto v = verifier_->metrics();
    IRIS_LOG(info, "irisd", "SMS number verification stopped: {} codes sent, {} failed, {} verified, {} refused",
             v.codes_sent, v.codes_failed, v.verified, v.refused);
  }
  if (!out_) return;
  out_->stop();
  const auto m = out_->metrics();
  IRIS_LOG(info, "irisd", "SMS out stopped: {} sent, {} temporary failures, {} given up", m.sent, m.temporary,
           m.given_up);
}

}  // namespace iris::irisd
