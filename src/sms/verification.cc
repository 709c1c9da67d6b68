#include "sms/verification.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <iterator>

#include "base/assert.h"
#include "sms/errc.h"

namespace iris::sms {
namespace {

constexpr std::chrono::hours kRateWindow{1};

}  // namespace

std::string random_code(std::size_t digits) {
  std::string code;
  while (code.size() < digits) {
    unsigned char byte = 0;
    const int drawn = RAND_bytes(&byte, 1);
    IRIS_ASSERT(drawn == 1, "RAND_bytes failed");
    if (byte >= 250) continue;  // 250 = 25 * 10: keeps every digit equally likely
    code.push_back(static_cast<char>('0' + byte % 10));
  }
  return code;
}

bool Verifications::under(std::deque<Time>& sends, std::size_t limit, Time now) {
  while (!sends.empty() && sends.front() + kRateWindow <= now) sends.pop_front();
  return sends.size() < limit;
}

void Verifications::prune(Time now) {
  std::erase_if(pending_, [now](const auto& p) { return p.second.expires <= now; });
  const auto drop_stale = [now](auto& sends) {
    for (auto it = sends.begin(); it != sends.end();) {
      under(it->second, 0, now);  // drops the sends older than the window
      it = it->second.empty() ? sends.erase(it) : std::next(it);
    }
  };
  drop_stale(user_sends_);
  drop_stale(number_sends_);
}

Result<void> Verifications::start(core::UserId user, const std::string& number, std::string code, Time now) {
  const auto key = std::make_pair(user, number);
  const bool full = pending_.size() >= limits_.max_pending || user_sends_.size() >= limits_.max_pending ||
                    number_sends_.size() >= limits_.max_pending;
  if (full) {
    prune(now);
    const bool replaces = pending_.contains(key);
    if ((!replaces && pending_.size() >= limits_.max_pending) ||
        (!user_sends_.contains(user) && user_sends_.size() >= limits_.max_pending) ||
        (!number_sends_.contains(number) && number_sends_.size() >= limits_.max_pending)) {
      return fail(errc::verification_busy);
    }
  }
  auto& by_user = user_sends_[user];
  auto& by_number = number_sends_[number];
  const bool user_ok = under(by_user, limits_.per_user_per_hour, now);
  const bool number_ok = under(by_number, limits_.per_number_per_hour, now);
  if (!user_ok || !number_ok) {
    if (by_user.empty()) user_sends_.erase(user);
    if (by_number.empty()) number_sends_.erase(number);
    return fail(errc::verification_rate_limited);
  }
  if (!pending_.contains(key)) {
    std::size_t mine = 0;
    for (auto it = pending_.lower_bound({user, std::string()}); it != pending_.end() && it->first.first == user;) {
      if (it->second.expires <= now) {
        it = pending_.erase(it);
      } else {
        ++mine;
        ++it;
      }
    }
    if (mine >= limits_.max_pending_per_user) {
      if (by_user.empty()) user_sends_.erase(user);
      if (by_number.empty()) number_sends_.erase(number);
      return fail(errc::too_many_pending);
    }
  }
  by_user.push_back(now);
  by_number.push_back(now);
  pending_[key] = Pending{std::move(code), now + limits_.code_ttl, limits_.max_attempts};
  return {};
}

Result<void> Verifications::confirm(core::UserId user, const std::string& number, std::string_view code, Time now) {
  const auto it = pending_.find(std::make_pair(user, number));
  if (it == pending_.end()) return fail(errc::no_code);
  if (it->second.expires <= now) {
    pending_.erase(it);
    return fail(errc::no_code);
  }
  const std::string& want = it->second.code;
  // The length is not secret (every code has the same); the digits are compared in constant time.
  if (code.size() == want.size() && CRYPTO_memcmp(code.data(), want.data(), want.size()) == 0) {
    pending_.erase(it);
    return {};
  }
  if (--it->second.attempts_left == 0) {
    pending_.erase(it);
    return fail(errc::too_many_attempts);
  }
  return fail(errc::wrong_code);
}

}  // namespace iris::sms
