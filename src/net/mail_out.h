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
// The turns are ExternalOut's (external_out.h, shared with SMS out): its own thread (SMTP
// waits never hold up a shard), a bounded set of waiting users (mail.out_max_pending; past
// it the next idle turn scans the mail book for every known participant); each turn reads at most mail.out_per_turn updates of one user, then the next
// user is served. A temporary failure (4xx, relay down, timeout) leaves the cursor where it
// is and tries that user again after a backoff (mail.out_min_backoff doubling up to
// mail.out_max_backoff); a permanent one (5xx) gives the mail up, logged and counted, and
// moves on. Messages from external identities (mail in) are not sent back out; when MailOut
// passes one, it records its Message-ID as what the thread's next reply answers.
//
// Attachments: each one the message carries goes out as a MIME part (mail_compose.h), its
// bytes read from the blob store one mail at a time on this thread. Before any blob is read
// the mail's size is bounded (mail::mail_size_bound); over mail.out_max_message_bytes none
// is attached and each is named in the text instead (logged, counted). A blob no longer
// stored (swept, or its message unsent) is named too: the mail still leaves. Reading a
// stored blob that fails otherwise (I/O) is a temporary failure, retried.
//
// Limits: the trimmer does not wait for this cursor beyond the retention window (only
// `storage` pins a queue), so mail that could not leave within it (relay down for a week)
// is lost with a log line per gap.

#include <cstdint>
#include <mutex>

#include "core/update.h"
#include "mail/mail_compose.h"
#include "mail/mail_options.h"
#include "mail/smtp_dialogue.h"
#include "net/external_out.h"
#include "store/blob/blob_service.h"
#include "store/mail/mail_book.h"
#include "store/queue_store.h"

namespace iris::net {

class MailOut final : public ExternalOut {
 public:
  struct Metrics {
    std::uint64_t sent = 0;        // mails the relay accepted
    std::uint64_t temporary = 0;   // tries that failed for now (retried)
    std::uint64_t given_up = 0;    // mails the relay refused for good, or that could not be built
    std::uint64_t no_address = 0;  // messages to an identity the mail book has no address of
    std::uint64_t attached = 0;    // attachments sent as MIME parts
    std::uint64_t left_out = 0;    // attachments named in the text instead (too large, gone)
  };

  // `options`, `queue`, `book` and `blobs` must outlive the MailOut. `blobs` null: every
  // attachment is named, none attached.
  MailOut(const mail::MailOptions& options, store::QueueStore& queue, store::MailBook& book,
          store::BlobService* blobs);
  ~MailOut() override;

  // notify(user), start() (its first turn scans the mail book: what came while irisd was
  // down) and stop() (an SMTP exchange ends at its timeout at most) are ExternalOut's.
  Metrics metrics() const;

 private:
  bool accepts(core::UserId user) const override;
  void scan() override;
  Turn serve(core::UserId user) override;
  mail::SmtpVerdict send(core::UserId user, const core::Update& update, const std::string& to);
  // The attachments of `created` into `mail` (parts, or lines of its text); false when a
  // blob could not be read for now (retry).
  bool add_attachments(const core::MessageCreated& created, const core::Update& update, mail::OutgoingMail& mail);

  const mail::MailOptions& options_;
  ChannelCursor cursor_;  // device:mail-out
  store::MailBook& book_;
  store::BlobService* blobs_;

  mutable std::mutex metrics_mu_;
  Metrics metrics_;  // by metrics_mu_
};

}  // namespace iris::net
