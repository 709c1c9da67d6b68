// SyncShard (sync_shard.h): its construction, the inbox cache (load, materialize, resident
// membership) and the owner side of fan-out (on_appended, trace, baseline notify). The
// device streams are in sync_shard_stream.cc, the request path in sync_shard_requests.cc,
// the HTTP queries in sync_shard_queries.cc.
#include "sync/sync_shard.h"

#include <algorithm>
#include <limits>

#include "base/log.h"
#include "core/errc.h"
#include "sync/baseline_view.h"
#include "wire/codec.h"
#include "wire/json_codec.h"

namespace iris::sync {
namespace {

constexpr std::size_t kLoadChunk = 1024;

// Own updates a skip_own device may have pending before the stream reaches them (it is
// behind, or stalled); beyond this its own updates are sent to it like any other. Bounds
// what a device that sends without acknowledging can make the shard hold.
constexpr std::size_t kMaxOwnPending = 256;

}  // namespace

SyncShard::SyncShard(std::uint32_t shard, const SyncOptions& options, store::QueueStore& store,
                     ShardRouter& router, DeviceSink& sink, Clock now)
    : shard_(shard), options_(options), store_(store), router_(router), sink_(sink),
      now_(std::move(now)), memory_(options.memory), resyncs_(options.resyncs), ids_(shard),
      rng_(std::random_device{}()), epoch_generation_(store.epoch_generation()) {}

std::string SyncShard::encode(Encoding enc, const wire::Message& m) const {
  return enc == Encoding::json ? wire::encode_json(m) : wire::encode(m);
}

Result<SyncShard::User*> SyncShard::load(core::UserId user) {
  check_epoch_generation();
  User& u = users_[user];
  if (u.inbox) return &u;
  auto info = store_.info(user);
  if (!info) return fail(info.error());
  // A trim between reading history and reading the tail can only remove what history has
  // by then; reading history again closes the gap, so a few attempts always suffice.
  for (int attempt = 0;; ++attempt) {
    auto inbox = materialize(user, *info);
    if (inbox) {
      u.queue = *info;
      u.inbox = std::move(*inbox);
      return &u;
    }
    if (inbox.error() != core::errc::trimmed || attempt == 3) return fail(inbox.error());
    info = store_.info(user);
    if (!info) return fail(info.error());
  }
}

Result<Inbox> SyncShard::materialize(core::UserId user, const store::QueueInfo& info) {
  Inbox inbox(user);
  core::Seq from = info.first_retained;
  if (history_) {
    auto h = history_->inbox(user, std::numeric_limits<std::size_t>::max());
    if (h && h->position.epoch == info.epoch && core::next(h->position.seq) >= info.first_retained) {
      inbox = Inbox::from_history(user, *h);
      from = core::next(h->position.seq);
    } else if (info.first_retained > core::Seq{1}) {
      // The queue alone no longer holds the whole inbox: no snapshot rather than a wrong one.
      if (!h) return fail(h.error());
      IRIS_LOG(warn, "sync", "user {}: history (at {}) does not reach the first retained seq {}",
               user.value(), h->position.seq.value(), info.first_retained.value());
    }
  }
  for (; from <= info.head;) {
    auto chunk = store_.read(user, from, kLoadChunk);
    if (!chunk) return fail(chunk.error());
    if (chunk->empty()) break;
    for (const auto& upd : *chunk) {
      inbox.apply(upd);
      if (info.head.value() - upd.seq.value() < options_.memory.max_per_user) memory_.add(user, upd);
    }
    from = core::next(chunk->back().seq);
  }
  return inbox;
}

void SyncShard::attach_history(const store::HistoryStore& history,
                               std::function<void(core::UserId)> appended) {
  history_ = &history;
  appended_ = std::move(appended);
}

void SyncShard::on_appended(core::UserId user, const core::Update& update,
                            std::optional<RequestOrigin> origin) {
  check_epoch_generation();  // `update` may be the first news of a new generation
  if (const auto* pc = std::get_if<core::ParticipantsChanged>(&update.body)) {
    // Publishes on the thread's ephemeral topics are checked per message against the inbox
    // below; subscriptions were checked once, so they go now.
    if (std::find(pc->removed.begin(), pc->removed.end(), user) != pc->removed.end()) {
      sink_.revoke_thread(user, update.thread);
    }
  }
  auto it = users_.find(user);
  if (it == users_.end()) {  // nobody here holds this user's state
    trace(user, update, std::nullopt);
    notify_baseline(user, update);
    return;
  }
  User& u = it->second;
  if (u.inbox) {
    if (update.seq == core::next(u.inbox->seq())) {
      const auto unread = u.inbox->unread();
      u.inbox->apply(update);
      if (u.inbox->unread() != unread) badge_changed(user, u);
    } else if (update.seq > core::next(u.inbox->seq())) {
      u.inbox.reset();  // missed something: rebuild from the store on next use
    }
  }
  if (!u.queue.exists()) {
    if (auto info = store_.info(user)) u.queue = *info;
  }
  if (update.seq > u.queue.head) {
    memory_.add(user, update);
    u.queue.head = update.seq;
  }
  trace(user, update, u.queue.epoch);
  notify_baseline(user, update);
  if (origin) {
    // The result of the request, routed after this, leaves on the same connection before
    // any later push: the device has this update before a batch that starts past it.
    if (auto d = devices_.find(origin->conn); d != devices_.end() && d->second.user == user &&
                                              d->second.resumes == origin->resume &&
                                              d->second.skip_own && d->second.stream &&
                                         update.seq > d->second.stream->sent() &&
                                         d->second.own.size() < kMaxOwnPending) {
      d->second.own.push_back(update.seq);
    }
  }
  for (ConnId conn : u.devices) {
    Device& d = devices_.at(conn);
    if (!d.stream) continue;
    d.stream->on_head(u.queue.head);
    pump(conn, d);
  }
}

void SyncShard::trace(core::UserId user, const core::Update& update, std::optional<core::Epoch> epoch) {
  if (!sink_.tracing(user)) return;
  if (!epoch) {
    auto info = store_.info(user);  // a debugging aid for a user with no device here: rare
    if (!info) return;
    epoch = info->epoch;
  }
  wire::DeltaBatch one{*epoch, update.seq, update.seq, {update}, false};
  sink_.trace(user, wire::encode_json(wire::Message{std::move(one)}));
}

void SyncShard::notify_baseline(core::UserId user, const core::Update& update) {
  if (baseline_ != nullptr && baseline_->listening(user)) {
    baseline_->notify(user, baseline_notify(update.thread, update.actor));
  }
}

bool SyncShard::is_participant(core::UserId user, core::ThreadId thread) {
  auto u = load(user);
  return u && (*u)->inbox->is_participant(thread, user);
}

std::optional<bool> SyncShard::resident_participant(core::UserId user, core::ThreadId thread) const {
  const auto it = users_.find(user);
  if (it == users_.end() || !it->second.inbox) return std::nullopt;
  return it->second.inbox->is_participant(thread, user);
}

std::size_t SyncShard::forget_users(const std::function<bool(core::UserId)>& gone) {
  std::size_t n = 0;
  for (auto& [user, u] : users_) {
    if (!gone(user)) continue;
    memory_.forget(user);
    u.inbox.reset();
    u.badge_pushed.reset();
    u.queue = store::QueueInfo{};  // read again at the next use (load, on_appended)
    ++n;
  }
  return n;
}

void SyncShard::make_resident(core::UserId user) {
  if (auto u = load(user); !u) {
    IRIS_LOG(debug, "sync", "user {}: inbox not loaded ({}); thread membership says no until it is",
             user.value(), u.error().message());
  }
}

}  // namespace iris::sync
