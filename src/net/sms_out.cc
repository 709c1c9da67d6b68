#include "net/sms_out.h"

#include "base/log.h"
#include "net/sms_post.h"

namespace iris::net {
namespace {

constexpr std::uint64_t kExternalBit = std::uint64_t{1} << 63;

}  // namespace

SmsOut::SmsOut(const sms::SmsOptions& options, store::QueueStore& queue, store::SmsBook& book)
    : ExternalOut("sms-out", Schedule{options.out_min_backoff, options.out_max_backoff, options.out_max_pending}),
      options_(options),
      cursor_(queue, "sms-out", "sms.out", options.out_timeout),
      book_(book),
      url_(sms::parse_http_url(options.provider_url).value_or(sms::HttpUrl{})) {}

SmsOut::~SmsOut() { stop(); }

SmsOut::Metrics SmsOut::metrics() const {
  std::lock_guard lock(mu_);
  return metrics_;
}

bool SmsOut::accepts(core::UserId user) const { return (user.value() & kExternalBit) != 0; }

void SmsOut::scan() {
  core::UserId after{0};
  for (;;) {
    auto page = book_.participants(after, 1024);
    if (!page) return;  // logged by the book; the next overflow tries again
    for (auto u : *page) notify(u);
    if (page->size() < 1024) return;
    after = page->back();
  }
}

ExternalOut::Turn SmsOut::serve(core::UserId user) {
  auto number = book_.participant_number(user);
  if (!number) return Turn::retry;
  if (!*number) return Turn::done;  // an external identity of another channel (mail)
  auto updates = cursor_.unread(user, options_.out_per_turn);
  if (!updates) return Turn::retry;
  if (updates->empty()) return Turn::done;
  core::Seq passed{0};
  for (const auto& u : *updates) {
    const auto* created = std::get_if<core::MessageCreated>(&u.body);
    if (created != nullptr && (u.actor.value() & kExternalBit) == 0) {
      // Everything before it is passed for good: record that first, so a retry of this one
      // does not read those again.
      if (passed.value() != 0 && !cursor_.advance(user, passed)) return Turn::retry;
      if (send(u, **number) == sms::Verdict::temporary) return Turn::retry;
      if (!cursor_.advance(user, u.seq)) return Turn::retry;
    }
    passed = u.seq;
  }
  if (passed.value() != 0 && !cursor_.advance(user, passed)) return Turn::retry;
  return updates->size() >= options_.out_per_turn ? Turn::more : Turn::done;
}

sms::Verdict SmsOut::send(const core::Update& update, const std::string& to) {
  const auto& created = std::get<core::MessageCreated>(update.body);
  auto from = book_.number_of(update.actor);
  if (!from) return sms::Verdict::temporary;
  if (!*from) {
    std::lock_guard lock(mu_);
    ++metrics_.given_up;
    IRIS_LOG(error, "sms.out", "message {} of thread {}: user {} has no verified number to text from; given up",
             created.message.value(), update.thread.value(), update.actor.value());
    return sms::Verdict::permanent;
  }
  std::string text = created.text;
  if (!created.attachments.empty()) {
    text += (text.empty() ? "" : "\n") + std::to_string(created.attachments.size()) + " attachment(s) on Iris";
  }
  std::string why;
  const auto status = post_sms(options_, url_, to, **from, text, why);
  const auto verdict = status ? sms::verdict(*status) : sms::Verdict::temporary;
  if (status) why = "HTTP " + std::to_string(*status);
  std::lock_guard lock(mu_);
  if (verdict == sms::Verdict::accepted) {
    ++metrics_.sent;
    IRIS_LOG(info, "sms.out", "message {} of thread {} sent to {} ({})", created.message.value(),
             update.thread.value(), to, why);
  } else if (verdict == sms::Verdict::temporary) {
    ++metrics_.temporary;
    IRIS_LOG(warn, "sms.out", "message {} to {}: temporary failure ({}), retried", created.message.value(), to, why);
  } else {
    ++metrics_.given_up;
    IRIS_LOG(error, "sms.out", "message {} to {}: refused for good ({}), given up", created.message.value(), to, why);
  }
  return verdict;
}

}  // namespace iris::net
