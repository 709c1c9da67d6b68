#include "net/sms_delivery.h"

#include "base/log.h"
#include "mail/text_extract.h"
#include "store/sms/sms_book.h"

namespace iris::net {
namespace {

unsigned status_of(wire::ErrorCode code) {
  switch (code) {
    case wire::ErrorCode::unavailable:
    case wire::ErrorCode::rate_limited:
    case wire::ErrorCode::queue_full:
    case wire::ErrorCode::internal: return 503;
    default: return 422;
  }
}

}  // namespace

SmsDelivery::SmsDelivery(const sync::RequestLimits& limits, sync::ShardRouter& router, store::SmsBook& book)
    : limits_(limits), router_(router), book_(book) {}

void SmsDelivery::deliver(sms::Inbound sms, Done done) {
  auto owner = book_.owner(sms.to);
  if (!owner) return done(503);
  if (!*owner) {
    IRIS_LOG(info, "sms.in", "SMS {} to {}: the number is assigned to no user", sms.sid, sms.to);
    return done(404);
  }
  const core::UserId user = **owner;
  const core::UserId sender = sms::external_user(sms.from);
  // Before the thread exists: SMS out must find the number of every SMS participant.
  if (!book_.remember_participant(sender, sms.from)) return done(503);

  const std::vector<core::UserId> users{user};
  std::string text = sms.body.empty() ? std::string("(empty SMS)") : std::move(sms.body);
  text = mail::clip_utf8(text, limits_.max_body_bytes);
  wire::CreateThreadRequest create{sms::thread_key(sms.from, user), mail::clip_utf8(sms.from, limits_.max_name_bytes),
                                   users};
  wire::SendRequest send{sms::message_key(sms.sid), core::ThreadId{0}, std::move(text), std::nullopt, {}};
  const sync::RequestPeer peer{std::nullopt, wire::kProtocolVersion};
  router_.to_owner(sender, [sender, peer, create = std::move(create), send = std::move(send),
                            done = std::move(done)](sync::SyncShard& shard) mutable {
    shard.request(sender, wire::Message{std::move(create)},
                  [&shard, sender, peer, send = std::move(send), done = std::move(done)](
                      sync::SyncShard::Outcome created) mutable {
                    if (const auto* e = std::get_if<wire::Error>(&created)) return done(status_of(e->code));
                    send.thread = std::get<wire::SendResult>(created).thread;
                    shard.request(sender, wire::Message{std::move(send)},
                                  [done = std::move(done)](sync::SyncShard::Outcome sent) {
                                    if (const auto* e = std::get_if<wire::Error>(&sent)) return done(status_of(e->code));
                                    done(200);
                                  },
                                  std::nullopt, peer);
                  },
                  std::nullopt, peer);
  });
}

}  // namespace iris::net
