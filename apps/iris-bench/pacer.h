#pragma once
// Pacer: one timer armed for the earliest due send of a worker's senders (open-loop
// workloads). Arming for a later time than the one armed does nothing; an earlier one
// replaces it. Runs on the worker's io_context thread only.

#include <boost/asio/steady_timer.hpp>
#include <optional>

#include "apps/iris-bench/mqtt_client.h"

namespace iris::bench {

class Pacer {
 public:
  explicit Pacer(asio::io_context& ctx) : timer_(ctx) {}

  // One pass over a worker's senders (pointers to objects with send_due(now), client() and
  // next_due()): sends what is due, flushes each connection once, then arms for the earliest
  // next due time with `again` (which calls pace() once more).
  template <typename Senders, typename Fn>
  void pace(Senders& senders, Fn again) {
    const Clock::time_point now = Clock::now();
    std::optional<Clock::time_point> next;
    for (auto& s : senders) {
      s->send_due(now);
      s->client().flush();
      if (const auto n = s->next_due(); n && (!next || *n < *next)) next = n;
    }
    if (next) arm(*next, std::move(again));
  }

  template <typename Fn>
  void arm(Clock::time_point at, Fn on_due) {
    if (at >= armed_at_) return;
    armed_at_ = at;
    timer_.expires_at(at);  // cancels the later wait, whose handler then does nothing
    timer_.async_wait([this, on_due](const boost::system::error_code& ec) {
      if (ec) return;
      armed_at_ = Clock::time_point::max();
      on_due();
    });
  }

 private:
  asio::steady_timer timer_;
  Clock::time_point armed_at_ = Clock::time_point::max();
};

}  // namespace iris::bench
