// SyncShard's part of message lifecycles (issue 21): edit, unsend, delete for me and react
// requests, and the badge (the user's unread count) served and pushed. Runs on the shard's
// thread like the rest of SyncShard (sync_shard.h).

#include "base/log.h"
#include "store/blob/blob_service.h"
#include "sync/message_edits.h"
#include "sync/sync_shard.h"

namespace iris::sync {

void SyncShard::request_message_action(core::UserId user, const Inbox& inbox,
                                       const wire::MessageActionRequest& req, Completion done,
                                       std::optional<RequestOrigin> origin, std::int32_t version) {
  // Planning checks the message against the inbox, where a retry of an unsend or a delete
  // for me no longer finds it: ask the store first whether this request already happened.
  // The store deduplicates by the same key anyway; this only gives the retry its answer.
  auto known = store_.find(core::IdempotencyKey{user, req.client_id});
  if (known && *known) {
    wire::SendResult result{req.client_id, req.thread, req.message, core::Seq{0}, (*known)->time};
    for (const auto& p : (*known)->positions) {
      if (p.user == user) {
        result.seq = p.seq;
        break;
      }
    }
    return done(std::move(result));
  }
  auto plan = plan_message_action(req, user, inbox, now_(), options_.requests);
  if (!plan) return refuse(done, plan.error(), req.client_id, version);
  submit(user, std::move(*plan), req.client_id, req.thread, std::move(done), origin, version);
}

void SyncShard::settle_blob_references(const core::Update& u, bool duplicate) {
  if (blobs_ == nullptr) return;
  std::optional<core::MessageId> release;
  if (const auto* c = std::get_if<core::MessageCreated>(&u.body)) {
    // A retried send appended nothing: the references its unused message id took go.
    if (duplicate && !c->attachments.empty()) release = c->message;
  } else if (const auto* d = std::get_if<core::MessageDeleted>(&u.body)) {
    // An unsend is committed: the message no longer cites its blobs (a delete for me does:
    // the other participants still see it).
    if (!d->for_me) release = d->message;
  }
  if (!release) return;
  if (auto r = blobs_->release(u.thread, *release); !r) {
    // The blob is kept longer than it need be (until a later unsend of it or never): safe.
    IRIS_LOG(warn, "sync", "cannot release the blob references of message {}: {}", release->value(),
             r.error().message());
  }
}

Result<wire::Badge> SyncShard::badge(core::UserId user) {
  auto u = load(user);
  if (!u) return fail(u.error());
  const Inbox& inbox = *(*u)->inbox;
  return wire::Badge{inbox.unread(), inbox.unread_threads(), (*u)->queue.epoch, inbox.seq()};
}

void SyncShard::badge_changed(core::UserId user, User& u) {
  if (u.badge_pending || u.devices.empty()) return;
  u.badge_pending = true;
  // Runs after the appends already routed here (one commit's fan-out comes in one burst):
  // the devices get the count once, as it stands after all of them.
  router_.to_owner(user, [user](SyncShard& s) { s.flush_badge(user); });
}

void SyncShard::flush_badge(core::UserId user) {
  auto it = users_.find(user);
  if (it == users_.end()) return;
  User& u = it->second;
  u.badge_pending = false;
  if (!u.inbox) return;
  const std::pair now{u.inbox->unread(), u.inbox->unread_threads()};
  if (u.badge_pushed == now) return;
  u.badge_pushed = now;
  const wire::Message m{wire::Badge{now.first, now.second, u.queue.epoch, u.inbox->seq()}};
  for (ConnId conn : u.devices) {
    const Device& d = devices_.at(conn);
    // QoS 0 on the deltas topic, after the batches before it; never queued. Only devices
    // that resumed saying version 5 know the message (compatibility rule 4).
    if (!d.stream || d.protocol < 5) continue;
    ++stats_.badges_pushed;
    sink_.signal(conn, encode(d.encoding, m));
  }
}

}  // namespace iris::sync
