#pragma once
// Rate limits of the requests that write to other users' queues (issue 23): a send or read
// receipt appends one update to every participant's queue, a thread operation too and may
// pull new users in, so one user, or one connection, flooding them costs everyone. Each user
// and each device connection has a token bucket per kind of request; a request is admitted
// only when both its user's and its connection's buckets have a token, and then takes one
// from each. A refused request is answered `rate_limited` with the wait until it would pass
// (wire::Error::retry_after), never dropped. Pure: time comes in.

#include <chrono>
#include <optional>

#include "sync/token_bucket.h"

namespace iris::sync {

enum class RequestKind {
  send,       // SendRequest, ReadRequest: one update to each participant
  thread_op,  // CreateThreadRequest, RenameThreadRequest, ChangeParticipantsRequest
};

struct RequestRateLimits {
  struct Scope {
    RateLimit sends;
    RateLimit thread_ops;
  };
  // Per user, over all its devices and HTTP. Defaults: sends 100/s with a burst of 1,000
  // (a person types far slower; a phone flushing its outbox after a night offline fits in
  // the burst), thread operations 2/s with a burst of 50. `scripts/bench sync` drives about
  // 80 sends/s per user in its closed loop and turns the limits off (bench/suites/sync).
  Scope user{{100, 1000}, {2, 50}};
  // Per device connection (MQTT), so that one device cannot spend its user's whole budget.
  // Defaults: sends 50/s with a burst of 500, thread operations 2/s with a burst of 50.
  Scope connection{{50, 500}, {2, 50}};
};

// The buckets of one user or one connection.
class RequestRates {
 public:
  RequestRates(const RequestRateLimits::Scope& limits, core::Timestamp now)
      : sends_(limits.sends, now), thread_ops_(limits.thread_ops, now) {}

  // Admits a request of `kind` from `user` (and `conn`, the connection it came on, if any):
  // nullopt when both had a token (one is taken from each), else how long until both will
  // (nothing is taken).
  static std::optional<std::chrono::milliseconds> admit(RequestKind kind, RequestRates& user,
                                                        RequestRates* conn,
                                                        const RequestRateLimits& limits,
                                                        core::Timestamp now);

 private:
  TokenBucket& bucket(RequestKind kind) { return kind == RequestKind::send ? sends_ : thread_ops_; }

  TokenBucket sends_;
  TokenBucket thread_ops_;
};

}  // namespace iris::sync
