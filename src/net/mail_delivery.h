#pragma once
// MailDelivery: one mail that LMTP accepted the bytes of -> a message in Iris
// (docs/PROTOCOL.md "Mail"). The LMTP server (lmtp_server.h) calls it on its thread:
//
//  1. parse (mail/mime_parser.h: GMime, bounded by mail.max_parts);
//  2. the sender: the first From mailbox (else the envelope's MAIL FROM) as an external
//     identity (mail/address.h: a derived user id with the top bit set);
//  3. attachments into the blob store as uploaded by that identity (types outside
//     blobs.allowed_types kept as application/octet-stream when that is allowed, else left
//     out with a line in the text; more than blobs.max_attachments: the rest left out too);
//  4. on the sender's owner shard, through SyncShard::request like any device's requests:
//     the thread is created by the sender with a client id derived from the conversation's
//     root Message-ID and the recipients (mail/mail_thread.h), so a later mail of the same
//     conversation gets the same thread back from the store's deduplication; then the
//     message is sent with a client id derived from its Message-ID, so a redelivery appends
//     nothing;
//  5. `done` with one LMTP reply per envelope recipient: 250 only once the send is durable
//     in every participant's queue (mail/lmtp_reply.h maps every refusal).
//
// Social routing (a thread from an unknown sender in the recipient's requests folder) is
// not applied yet: the thread lands in the inbox like any other.
//
// Thread-safety: deliver() runs on the caller's thread; `done` is called once, on some
// owner shard's thread (or inline when the mail is refused before any request).

#include <functional>
#include <string>
#include <vector>

#include "mail/lmtp_session.h"
#include "mail/mail_options.h"
#include "sync/request_planner.h"
#include "sync/sync_shard.h"

namespace iris::store {
class BlobService;
}

namespace iris::net {

class MailDelivery {
 public:
  using Done = std::function<void(std::vector<mail::RecipientReply>)>;

  // `options`, `limits`, `router` and `blobs` (null: attachments are named in the text, not
  // kept) must outlive the delivery and every `done` it has not called yet.
  MailDelivery(const mail::MailOptions& options, const sync::RequestLimits& limits,
               sync::ShardRouter& router, store::BlobService* blobs);

  void deliver(mail::Envelope envelope, Done done);

 private:
  const mail::MailOptions& options_;
  const sync::RequestLimits& limits_;
  sync::ShardRouter& router_;
  store::BlobService* blobs_;
};

}  // namespace iris::net
