#pragma once
// ExternalOut: the turns of a channel that sends a participant's queue out of Iris (SMS out,
// sms_out.h; mail out, mail_out.h). The channel is
// one more consumer of the external participant's queue with its own cursor, moved only
// after the far side accepted what it passed; this class decides whose queue is read when:
//
// Its own thread (waits on the far side never hold up a shard); the shards only call
// notify(user) (a set insert under a mutex), and users the channel does not serve are
// dropped at once (accepts()). Bounded: at most `max_pending` users wait (one past it sets
// a flag, and the next idle turn calls scan(), which notifies every known participant); a
// turn (serve()) reads a bounded part of one user's queue, then the next user is served. A
// turn that ends in `retry` is tried again after a backoff (min_backoff doubling up to
// max_backoff); `more` comes back at once after the others; `done` forgets the user until
// the next notify.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "base/result.h"
#include "core/ids.h"
#include "core/update.h"
#include "store/queue_store.h"

namespace iris::net {

// A channel's own cursor in an external participant's queue (`device:<name>`): what the
// channel has not passed yet, and moving past it once the far side accepted it. Mail out
// and SMS out each hold one; used from the channel's thread only.
class ChannelCursor {
 public:
  // `queue` must outlive the cursor. `timeout`: the longest wait for the store to confirm a
  // move (the channel's own out_timeout).
  ChannelCursor(store::QueueStore& queue, std::string_view device, std::string log_component,
                std::chrono::milliseconds timeout);

  // Up to `max` updates of `user` after the cursor, oldest first; empty when nothing is new.
  // Updates the trimmer removed before the channel passed them (it waits for `storage`
  // only) are skipped with a log line naming the gap. A store error: retry later.
  Result<std::vector<core::Update>> unread(core::UserId user, std::size_t max) const;
  // Moves the cursor to `to`; false when the store did not confirm it within the timeout.
  bool advance(core::UserId user, core::Seq to);

 private:
  store::QueueStore& queue_;
  const core::CursorName name_;
  const std::string log_component_;
  const std::chrono::milliseconds timeout_;
};

class ExternalOut {
 public:
  struct Schedule {
    std::chrono::milliseconds min_backoff{1000};
    std::chrono::milliseconds max_backoff{300000};
    std::size_t max_pending = 10000;
  };

  ExternalOut(std::string name, Schedule schedule) : name_(std::move(name)), schedule_(schedule) {}
  // A derived class calls stop() in its destructor (the thread calls its overrides).
  virtual ~ExternalOut() = default;
  ExternalOut(const ExternalOut&) = delete;
  ExternalOut& operator=(const ExternalOut&) = delete;

  // `user` has new updates. Any thread; never blocks on the far side.
  void notify(core::UserId user);
  // Starts the thread; its first turn is a scan (what came while irisd was down).
  void start();
  // Ends the turn in progress (bounded by the channel's own timeouts) and joins. Idempotent.
  void stop();

 protected:
  enum class Turn { done, more, retry };
  virtual bool accepts(core::UserId user) const = 0;
  virtual void scan() = 0;
  virtual Turn serve(core::UserId user) = 0;

 private:
  void loop();

  const std::string name_;
  const Schedule schedule_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<core::UserId> ready_;                 // by mu_
  std::set<core::UserId> queued_;                  // ready_, waiting_ or serving_; by mu_
  std::multimap<std::chrono::steady_clock::time_point, core::UserId> waiting_;  // backoff; by mu_
  std::map<core::UserId, std::chrono::milliseconds> backoff_;                   // by mu_
  std::optional<core::UserId> serving_;            // by mu_
  bool again_ = false;                             // serving_ was notified meanwhile; by mu_
  bool overflow_ = false;                          // by mu_
  bool stopping_ = false;                          // by mu_
  std::thread thread_;
};

}  // namespace iris::net
