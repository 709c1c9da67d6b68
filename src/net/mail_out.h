#pragma once
// MailOut: mail out (docs/PROTOCOL.md "Mail out"). A user's message in a thread with an
// email participant (an external identity, mail/address.h) leaves as mail over SMTP to
// mail.out_relay.
//
// Why it reads the participant's queue, like a device, instead of keeping an outbox of its
// own: a send to a thread is acknowledged once it is durable in every participant's queue,
// the external identity's too. So the mail is durable before the send is acknowledged with
// no second store to keep in step, and MailOut is one more consumer of that queue with its
// own cursor (`device:mail-out`), moved only after the relay answered 250 for the mail: the
// same rule as the history writer's `storage` cursor. A crash between the relay's 250 and
// the cursor write sends that mail again, with the same Message-ID (mail_compose.h), the one
// duplicate an SMTP client cannot rule out.
//
// Its own thread (SMTP waits never hold up a shard); the shards only call notify(user)
// (a set insert under a mutex) for every user that got updates; users that are not
// external identities are ignored at once. Bounded: at most mail.out_max_pending users wait
// (one past it sets a flag, and the next idle turn scans the mail book for every known
// participant); each turn reads at most mail.out_per_turn updates of one user, then the next
// user is served. A temporary failure (4xx, relay down, timeout) leaves the cursor where it
// is and tries that user again after a backoff (mail.out_min_backoff doubling up to
// mail.out_max_backoff); a permanent one (5xx) gives the mail up, logged and counted, and
// moves on. Messages from external identities (mail in) are not sent back out; when MailOut
// passes one, it records its Message-ID as what the thread's next reply answers.
//
// Limits: the trimmer does not wait for this cursor beyond the retention window (only
// `storage` pins a queue), so mail that could not leave within it (relay down for a week)
// is lost with a log line per gap.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/update.h"
#include "mail/mail_options.h"
#include "mail/smtp_dialogue.h"
#include "store/mail/mail_book.h"
#include "store/queue_store.h"

namespace iris::net {

class MailOut {
 public:
  struct Metrics {
    std::uint64_t sent = 0;        // mails the relay accepted
    std::uint64_t temporary = 0;   // tries that failed for now (retried)
    std::uint64_t given_up = 0;    // mails the relay refused for good, or that could not be built
    std::uint64_t no_address = 0;  // messages to an identity the mail book has no address of
  };

  // `options`, `queue` and `book` must outlive the MailOut.
  MailOut(const mail::MailOptions& options, store::QueueStore& queue, store::MailBook& book);
  ~MailOut();
  MailOut(const MailOut&) = delete;
  MailOut& operator=(const MailOut&) = delete;

  // `user` has new updates. Any thread; never blocks on SMTP.
  void notify(core::UserId user);
  // Every participant in the mail book is looked at (at start: what came while irisd was down).
  void start();
  // Ends the turn in progress (an SMTP exchange ends at its timeout at most) and joins.
  void stop();
  Metrics metrics() const;

 private:
  enum class Turn { done, more, retry };
  void loop();
  void scan_book();
  Turn serve(core::UserId user);
  mail::SmtpVerdict send(core::UserId user, const core::Update& update, const std::string& to);
  bool advance(core::UserId user, core::Seq to);

  const mail::MailOptions& options_;
  store::QueueStore& queue_;
  store::MailBook& book_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<core::UserId> ready_;                 // by mu_
  std::set<core::UserId> queued_;                  // ready_ or waiting_; by mu_
  std::multimap<std::chrono::steady_clock::time_point, core::UserId> waiting_;  // backoff; by mu_
  std::map<core::UserId, std::chrono::milliseconds> backoff_;  // by mu_
  std::optional<core::UserId> serving_;            // the user of the turn in progress; by mu_
  bool again_ = false;                             // serving_ was notified meanwhile; by mu_
  bool overflow_ = false;                          // by mu_
  bool stopping_ = false;                          // by mu_
  Metrics metrics_;                                // by mu_
  std::thread thread_;
};

}  // namespace iris::net
