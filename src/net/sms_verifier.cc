#include "net/sms_verifier.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/log.h"
#include "net/sms_post.h"
#include "sms/errc.h"
#include "sms/webhook.h"

namespace iris::net {
namespace {

constexpr int kTries = 3;

sms::VerificationLimits limits_of(const sms::SmsOptions& o) {
  sms::VerificationLimits l;
  l.code_ttl = o.verify_code_ttl;
  l.max_attempts = o.verify_max_attempts;
  l.max_pending_per_user = o.verify_max_pending_per_user;
  l.per_user_per_hour = o.verify_per_user_per_hour;
  l.per_number_per_hour = o.verify_per_number_per_hour;
  l.max_pending = o.verify_max_pending;
  return l;
}

}  // namespace

SmsVerifier::SmsVerifier(const sms::SmsOptions& options, store::SmsBook& book)
    : options_(options),
      book_(book),
      url_(sms::parse_http_url(options.provider_url).value_or(sms::HttpUrl{})),
      machine_(limits_of(options)) {}

SmsVerifier::~SmsVerifier() { stop(); }

void SmsVerifier::start() { thread_ = std::thread([this] { loop(); }); }

void SmsVerifier::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SmsVerifier::Metrics SmsVerifier::metrics() const {
  std::lock_guard lock(mu_);
  return metrics_;
}

Result<std::string> SmsVerifier::request(core::UserId user, std::string_view typed) {
  auto number = sms::normalize_number(typed);
  if (!number) return fail(number.error());
  std::string code = sms::random_code(6);
  const auto minutes = std::max<std::int64_t>(1, options_.verify_code_ttl.count() / 60);
  std::string text = fmt::format("Your Iris code is {}. It expires in {} min. Nobody from Iris will ask you for it.",
                                 code, minutes);
  {
    std::lock_guard lock(mu_);
    if (outbox_.size() >= options_.verify_max_pending) {
      ++metrics_.refused;
      return fail(sms::errc::verification_busy);
    }
    const auto now = std::chrono::steady_clock::now();
    if (auto r = machine_.start(user, *number, std::move(code), now); !r) {
      ++metrics_.refused;
      return fail(r.error());
    }
    outbox_.push_back(Outgoing{*number, std::move(text), 0, now});
  }
  wake_.notify_one();
  return *number;
}

Result<std::string> SmsVerifier::confirm(core::UserId user, std::string_view typed, std::string_view code) {
  auto number = sms::normalize_number(typed);
  if (!number) return fail(number.error());
  {
    std::lock_guard lock(mu_);
    if (auto r = machine_.confirm(user, *number, code, std::chrono::steady_clock::now()); !r) {
      ++metrics_.refused;
      return fail(r.error());
    }
  }
  if (auto r = book_.assign(*number, user); !r) return fail(r.error());
  IRIS_LOG(info, "sms.verify", "user {} verified {}", user.value(), *number);
  std::lock_guard lock(mu_);
  ++metrics_.verified;
  return *number;
}

void SmsVerifier::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopping_) return;
    if (outbox_.empty()) {
      wake_.wait(lock);
      continue;
    }
    // The first code due (a retried one waits its backoff; the others do not wait for it).
    const auto now = std::chrono::steady_clock::now();
    auto due = std::min_element(outbox_.begin(), outbox_.end(),
                                [](const Outgoing& a, const Outgoing& b) { return a.not_before < b.not_before; });
    if (due->not_before > now) {
      wake_.wait_until(lock, due->not_before);
      continue;
    }
    Outgoing out = std::move(*due);
    outbox_.erase(due);
    lock.unlock();
    std::string why;
    const auto status = post_sms(options_, url_, out.to, options_.verify_from, out.text, why);
    const auto verdict = status ? sms::verdict(*status) : sms::Verdict::temporary;
    if (status) why = "HTTP " + std::to_string(*status);
    lock.lock();
    ++out.tries;
    if (verdict == sms::Verdict::accepted) {
      ++metrics_.codes_sent;
      IRIS_LOG(info, "sms.verify", "code sent to {} ({})", out.to, why);
    } else if (verdict == sms::Verdict::temporary && out.tries < kTries) {
      IRIS_LOG(warn, "sms.verify", "code to {}: temporary failure ({}), retried", out.to, why);
      out.not_before = std::chrono::steady_clock::now() + options_.out_min_backoff * (1 << (out.tries - 1));
      outbox_.push_back(std::move(out));
    } else {
      ++metrics_.codes_failed;
      IRIS_LOG(error, "sms.verify", "code to {}: given up ({})", out.to, why);
    }
  }
}

}  // namespace iris::net
