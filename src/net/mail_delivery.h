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
// Social routing applies on the request path (sync_shard_social.cc): the thread lands in the
// requests folder of a recipient that does not have the sender as a contact, and a recipient
// that blocked the sender refuses it (550 5.7.1); each recipient was addressed by the mail,
// so the group-add setting does not apply (core::Arrival::addressed).
//
// Mail out (mail_out.h) answers the sender later: before the thread is created, the
// sender's address and this mail's Message-ID, root and subject go into the mail book (a
// failure there is answered 451: the MTA tries again).
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
class MailBook;
}

namespace iris::net {

class MailDelivery {
 public:
  using Done = std::function<void(std::vector<mail::RecipientReply>)>;

  // `options`, `limits`, `router`, `blobs` (null: attachments are named in the text, not
  // kept) and `book` (null: nothing kept for replies) must outlive the delivery and every
  // `done` it has not called yet.
  MailDelivery(const mail::MailOptions& options, const sync::RequestLimits& limits,
               sync::ShardRouter& router, store::BlobService* blobs, store::MailBook* book = nullptr);

  void deliver(mail::Envelope envelope, Done done);

 private:
  const mail::MailOptions& options_;
  const sync::RequestLimits& limits_;
  sync::ShardRouter& router_;
  store::BlobService* blobs_;
  store::MailBook* book_;
};

}  // namespace iris::net
