#include "net/mail_delivery.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "base/log.h"
#include "mail/address.h"
#include "mail/errc.h"
#include "mail/lmtp_reply.h"
#include "mail/mail_thread.h"
#include "mail/mime_parser.h"
#include "mail/text_extract.h"
#include "store/blob/blob_errc.h"
#include "store/blob/blob_service.h"
#include "store/mail/mail_book.h"

namespace iris::net {
namespace {

std::vector<mail::RecipientReply> all(std::size_t n, const mail::RecipientReply& reply) {
  return std::vector<mail::RecipientReply>(n, reply);
}

core::Timestamp now_ms() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// Blob errors that pass (the store busy or failing) are worth a retry by the MTA; the
// others are a property of the attachment, which is then left out.
bool temporary(const std::error_code& ec) {
  return ec == store::blob_errc::busy || ec == store::blob_errc::io_error;
}

}  // namespace

MailDelivery::MailDelivery(const mail::MailOptions& options, const sync::RequestLimits& limits,
                           sync::ShardRouter& router, store::BlobService* blobs, store::MailBook* book)
    : options_(options), limits_(limits), router_(router), blobs_(blobs), book_(book) {}

void MailDelivery::deliver(mail::Envelope envelope, Done done) {
  const std::size_t replies = envelope.recipients.size();
  auto parsed = mail::parse_mime(envelope.data, mail::MimeLimits{options_.max_parts, options_.trim_quotes});
  if (!parsed) return done(all(replies, mail::error_reply(parsed.error())));
  mail::ParsedMail& m = *parsed;
  std::string from = m.from;
  if (from.empty()) {
    if (auto envelope_from = mail::normalize_address(envelope.mail_from)) from = std::move(*envelope_from);
  }
  if (from.empty()) return done(all(replies, mail::error_reply(mail::errc::no_sender)));
  const core::UserId sender = mail::external_user(from);

  std::vector<core::UserId> users;
  for (auto u : envelope.recipients) {
    if (std::find(users.begin(), users.end(), u) == users.end()) users.push_back(u);
  }

  std::string text = std::move(m.text);
  std::vector<core::Attachment> attachments;
  std::vector<std::string> left_out;
  for (auto& a : m.attachments) {
    std::string type = a.content_type;
    const bool room = blobs_ != nullptr && attachments.size() < blobs_->options().max_attachments;
    if (room && !blobs_->allowed(type) && blobs_->allowed("application/octet-stream")) type = "application/octet-stream";
    if (!room || !blobs_->allowed(type) || a.bytes.empty()) {
      left_out.push_back(a.name.empty() ? a.content_type : a.name);
      continue;
    }
    auto up = blobs_->begin_upload(sender, type, a.bytes.size());
    Result<store::UploadedBlob> blob = fail(store::blob_errc::io_error);
    if (!up) {
      blob = fail(up.error());
    } else if (auto written = (*up)->write(a.bytes); !written) {
      blob = fail(written.error());
    } else {
      blob = (*up)->finish(now_ms());
    }
    if (!blob) {
      if (temporary(blob.error())) return done(all(replies, mail::error_reply(blob.error())));
      left_out.push_back(a.name.empty() ? a.content_type : a.name);
      continue;
    }
    attachments.push_back(core::Attachment{blob->id, blob->type, blob->size,
                                           mail::clip_utf8(a.name, blobs_->options().max_name_bytes), {}, {}});
  }
  for (const auto& name : left_out) text += (text.empty() ? "" : "\n") + std::string("[attachment not kept: ") + name + "]";
  if (text.empty() && attachments.empty()) text = m.subject.empty() ? "(empty mail)" : m.subject;
  text = mail::clip_utf8(text, limits_.max_body_bytes);

  const std::string root_id = mail::thread_root(m.message_id, m.in_reply_to, m.references);
  const std::string root = root_id.empty() ? mail::message_key("", envelope.data).to_hex() : root_id;
  std::string name = from;
  if (!m.subject.empty()) name += ": " + m.subject;

  const core::ClientMsgId message_client_id = mail::message_key(m.message_id, envelope.data);
  if (book_ != nullptr) {
    if (!book_->remember_address(sender, from) ||
        !book_->remember_received(message_client_id, store::MailRef{m.message_id, root_id, m.subject})) {
      return done(all(replies, mail::refused_reply(wire::ErrorCode::unavailable)));
    }
  }

  wire::CreateThreadRequest create{mail::thread_key(root, users), mail::clip_utf8(name, limits_.max_name_bytes), users};
  wire::SendRequest send{message_client_id, core::ThreadId{0}, std::move(text),
                         std::nullopt, std::move(attachments)};
  const sync::RequestPeer peer{std::nullopt, wire::kProtocolVersion};
  router_.to_owner(sender, [sender, replies, peer, create = std::move(create), send = std::move(send),
                            done = std::move(done)](sync::SyncShard& shard) mutable {
    shard.request(sender, wire::Message{std::move(create)},
                  [&shard, sender, replies, peer, send = std::move(send), done = std::move(done)](
                      sync::SyncShard::Outcome created) mutable {
                    if (const auto* e = std::get_if<wire::Error>(&created)) {
                      return done(all(replies, mail::refused_reply(e->code)));
                    }
                    send.thread = std::get<wire::SendResult>(created).thread;
                    shard.request(sender, wire::Message{std::move(send)},
                                  [replies, done = std::move(done)](sync::SyncShard::Outcome sent) {
                                    if (const auto* e = std::get_if<wire::Error>(&sent)) {
                                      return done(all(replies, mail::refused_reply(e->code)));
                                    }
                                    done(all(replies, mail::delivered_reply()));
                                  },
                                  std::nullopt, peer);
                  },
                  std::nullopt, peer);
  });
}

}  // namespace iris::net
