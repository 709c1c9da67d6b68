#include "sync/sync_shard.h"

#include <algorithm>
#include <limits>

#include "base/log.h"
#include "core/errc.h"
#include "core/folding.h"
#include "sync/baseline_view.h"
#include "sync/error_mapping.h"
#include "sync/errc.h"
#include "sync/resume_planner.h"
#include "wire/codec.h"
#include "wire/json_codec.h"

namespace iris::sync {
namespace {

constexpr std::size_t kLoadChunk = 1024;

// The client id of a request, if its kind has one.
constexpr auto client_id_of = [](const auto& m) -> std::optional<core::ClientMsgId> {
  if constexpr (requires { m.client_id; }) {
    return std::optional<core::ClientMsgId>(m.client_id);
  } else {
    return std::nullopt;
  }
};

// Own updates a skip_own device may have pending before the stream reaches them (it is
// behind, or stalled); beyond this its own updates are sent to it like any other. Bounds
// what a device that sends without acknowledging can make the shard hold.
constexpr std::size_t kMaxOwnPending = 256;

}  // namespace

SyncShard::SyncShard(std::uint32_t shard, const SyncOptions& options, store::QueueStore& store,
                     ShardRouter& router, DeviceSink& sink, Clock now)
    : shard_(shard), options_(options), store_(store), router_(router), sink_(sink),
      now_(std::move(now)), memory_(options.memory), resyncs_(options.resyncs), ids_(shard),
      rng_(std::random_device{}()) {}

std::string SyncShard::encode(Encoding enc, const wire::Message& m) const {
  return enc == Encoding::json ? wire::encode_json(m) : wire::encode(m);
}

void SyncShard::on_connected(ConnId conn, core::UserId user, core::DeviceId device) {
  Device& d = devices_[conn];
  d = Device{};
  d.user = user;
  d.id = std::move(device);
  users_[user].devices.push_back(conn);
}

void SyncShard::on_disconnected(ConnId conn) {
  auto it = devices_.find(conn);
  if (it == devices_.end()) return;
  write_cursor(it->second);
  if (auto u = users_.find(it->second.user); u != users_.end()) std::erase(u->second.devices, conn);
  devices_.erase(it);
}

Result<SyncShard::User*> SyncShard::load(core::UserId user) {
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

void SyncShard::on_request(ConnId conn, RequestTag tag, Encoding enc, std::string_view payload) {
  auto dit = devices_.find(conn);
  if (dit == devices_.end()) return;
  Device& d = dit->second;
  // The device's side of a completion: the outcome, in the device's encoding.
  auto reply = [this, conn, tag, enc](Outcome outcome) {
    if (const auto* error = std::get_if<wire::Error>(&outcome)) {
      IRIS_LOG(debug, "sync", "request {} on connection {} refused: {}", tag.value(), conn.value(), error->text);
      sink_.reply(conn, tag, error->code, encode(enc, wire::Message{*error}));
      return;
    }
    sink_.reply(conn, tag, std::nullopt, encode(enc, wire::Message{std::get<wire::SendResult>(outcome)}));
  };
  auto message = enc == Encoding::json ? wire::decode_json<wire::Message>(payload)
                                       : wire::decode<wire::Message>(payload);
  if (!message) {
    ++stats_.requests;
    return refuse(reply, message.error(), std::nullopt, d.protocol);
  }
  if (const auto* resume_req = std::get_if<wire::ResumeRequest>(&*message)) {
    ++stats_.requests;
    d.encoding = enc;
    if (resume_req->protocol_version != 0) d.protocol = resume_req->protocol_version;
    resume(conn, d, *resume_req);
    sink_.reply(conn, tag, std::nullopt, {});
    return;
  }
  std::optional<RequestOrigin> origin;
  if (d.skip_own && d.stream) origin = RequestOrigin{conn, d.resumes};
  request(d.user, *message, std::move(reply), origin, RequestPeer{conn, d.protocol});
}

std::optional<std::chrono::milliseconds> SyncShard::admit(core::UserId user,
                                                          const wire::Message& request,
                                                          const RequestPeer& peer) {
  const bool send = std::holds_alternative<wire::SendRequest>(request) ||
                    std::holds_alternative<wire::ReadRequest>(request);
  const bool thread_op = std::holds_alternative<wire::CreateThreadRequest>(request) ||
                         std::holds_alternative<wire::RenameThreadRequest>(request) ||
                         std::holds_alternative<wire::ChangeParticipantsRequest>(request);
  if (!send && !thread_op) return std::nullopt;  // refused as invalid_request later
  const core::Timestamp now = now_();
  User& u = users_[user];
  if (!u.rates) u.rates.emplace(options_.rates.user, now);
  RequestRates* conn = nullptr;
  if (peer.conn) {
    if (auto d = devices_.find(*peer.conn); d != devices_.end()) {
      if (!d->second.rates) d->second.rates.emplace(options_.rates.connection, now);
      conn = &*d->second.rates;
    }
  }
  return RequestRates::admit(send ? RequestKind::send : RequestKind::thread_op, *u.rates, conn,
                             options_.rates, now);
}

void SyncShard::request(core::UserId user_id, const wire::Message& message, Completion done,
                        std::optional<RequestOrigin> origin, RequestPeer peer) {
  ++stats_.requests;
  const std::int32_t version = peer.version;
  if (auto wait = admit(user_id, message, peer)) {
    ++stats_.rate_limited;
    return refuse(done, errc::rate_limited, std::visit(client_id_of, message), version, *wait);
  }
  auto user = load(user_id);
  if (!user) return refuse(done, user.error(), std::nullopt, version);
  const Inbox& inbox = *(*user)->inbox;
  const core::Timestamp now = now_();
  const auto& limits = options_.requests;

  std::visit(
      [&](const auto& req) {
        using T = std::decay_t<decltype(req)>;
        Result<store::AppendRequest> plan = fail(errc::invalid_request);
        core::ClientMsgId client_id{};
        core::ThreadId thread{};
        if constexpr (std::is_same_v<T, wire::SendRequest>) {
          plan = plan_send(req, user_id, inbox, core::MessageId{ids_.next(now)}, now, limits);
          client_id = req.client_id;
          thread = req.thread;
        } else if constexpr (std::is_same_v<T, wire::ReadRequest>) {
          plan = plan_read(req, user_id, inbox, now);
          thread = req.thread;
        } else if constexpr (std::is_same_v<T, wire::CreateThreadRequest>) {
          thread = core::ThreadId{ids_.next(now)};
          plan = plan_create_thread(req, user_id, thread, now, limits);
          client_id = req.client_id;
        } else if constexpr (std::is_same_v<T, wire::RenameThreadRequest>) {
          plan = plan_rename(req, user_id, inbox, now, limits);
          client_id = req.client_id;
          thread = req.thread;
        } else if constexpr (std::is_same_v<T, wire::ChangeParticipantsRequest>) {
          plan = plan_change_participants(req, user_id, inbox, now, limits);
          client_id = req.client_id;
          thread = req.thread;
        }
        if (!plan) return refuse(done, plan.error(), client_id, version);
        submit(user_id, std::move(*plan), client_id, thread, std::move(done), origin, version);
      },
      message);
}

void SyncShard::submit(core::UserId sender, store::AppendRequest request,
                       core::ClientMsgId client_id, core::ThreadId thread, Completion done,
                       std::optional<RequestOrigin> origin, std::int32_t version) {
  // Every entry carries the same update; keep one copy for the fan-out after the commit.
  core::Update update = request.entries.front().update;
  ShardRouter* router = &router_;
  const auto* appended = &appended_;
  store_.async_append(std::move(request), [=, update = std::move(update), done = std::move(done)](Result<store::AppendResult> r) {
    // On the store's commit thread: route everything to owner shards, in commit order.
    if (!r) {
      router->to_owner(sender, [=, ec = r.error()](SyncShard& s) { s.refuse(done, ec, client_id, version); });
      return;
    }
    core::Seq sender_seq{0};
    for (const auto& p : r->positions) {
      if (p.user == sender && sender_seq.value() == 0) sender_seq = p.seq;
      if (r->duplicate) continue;
      if (*appended) (*appended)(p.user);
      core::Update copy = update;
      copy.seq = p.seq;
      const auto from = p.user == sender ? origin : std::nullopt;
      router->to_owner(p.user, [user = p.user, copy = std::move(copy), from](SyncShard& s) {
        s.on_appended(user, copy, from);
      });
    }
    router->to_owner(sender, [=, dup = r->duplicate](SyncShard& s) {
      wire::SendResult result{client_id, thread, std::nullopt, sender_seq, update.time};
      // A retry returns the first request's outcome: read its update back rather than trust
      // this attempt's (unused) message or thread id.
      std::optional<core::Update> first;
      if (!dup) {
        first = update;
      } else if (auto mem = s.memory_.read(sender, sender_seq, sender_seq)) {
        first = mem->front();
      } else if (auto stored = s.store_.read(sender, sender_seq, 1); stored && !stored->empty()) {
        first = stored->front();
      }
      if (first) {
        result.time = first->time;
        result.thread = first->thread;
        if (auto* m = std::get_if<core::MessageCreated>(&first->body)) result.message = m->message;
      }
      done(std::move(result));
    });
  });
}

void SyncShard::refuse(const Completion& done, std::error_code ec,
                       std::optional<core::ClientMsgId> client_id, std::int32_t version,
                       std::optional<std::chrono::milliseconds> retry_after) {
  ++stats_.refused;
  std::string text = ec.message();
  if (ec == core::errc::share_full || ec == core::errc::queue_full || ec == errc::rate_limited) {
    // Worth a line (a sender flooding, or filling someone's queue), but at most one per
    // 10 s per shard, so that the flood does not move into the log.
    ++refusals_unlogged_;
    const core::Timestamp now = now_();
    if (now >= next_refusal_log_) {
      IRIS_LOG(warn, "sync", "shard {}: {} request(s) refused in the last 10 s (rate limits or full queues), e.g. {}",
               shard_, refusals_unlogged_, text);
      refusals_unlogged_ = 0;
      next_refusal_log_ = now + std::chrono::seconds(10);
    }
  }
  done(wire::Error{client_id, wire::code_for_version(to_wire_error(ec), version), std::move(text),
                   retry_after});
}

void SyncShard::on_appended(core::UserId user, const core::Update& update,
                            std::optional<RequestOrigin> origin) {
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
      u.inbox->apply(update);
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
  if (sink_.baseline_listening(user)) {
    sink_.baseline_notify(user, baseline_notify(update.thread, update.actor));
  }
}

void SyncShard::resume(ConnId conn, Device& d, const wire::ResumeRequest& req) {
  auto u = load(d.user);
  if (!u) {
    wire::Resync r{wire::ResyncReason::temporary, {}, {}, std::chrono::milliseconds{1000}, std::nullopt};
    return push(conn, d, wire::Message{r}, std::nullopt);
  }
  // The trimmer moves first_retained behind our back: resume against the store's view.
  if (auto info = store_.info(d.user)) (*u)->queue.first_retained = info->first_retained;
  auto decision = plan_resume(req, (*u)->queue);
  d.skip_in_catch_up.reset();
  if (auto* resync = std::get_if<wire::Resync>(&decision);
      resync && resync->reason == wire::ResyncReason::backlog_too_large) {
    if (auto thread = scoped_resync(d.user, req)) {
      // Only that thread's state is in doubt: say so, then stream the rest of the range.
      ++stats_.thread_resyncs;
      resync->thread = thread;
      push(conn, d, wire::Message{*resync}, std::nullopt);
      d.skip_in_catch_up = thread;
      decision = StreamPlan{core::next(req.last_seq), (*u)->queue.head};
    }
  }
  if (auto* resync = std::get_if<wire::Resync>(&decision)) {
    // A full resync costs a snapshot: beyond the user's budget, come back later instead.
    if (auto wait = resyncs_.admit(d.user, now_(), rng_)) {
      resync->reason = wire::ResyncReason::temporary;
      resync->retry_after = *wait;
    }
    ++stats_.resyncs;
    d.stream.reset();
    return push(conn, d, wire::Message{*resync}, std::nullopt);
  }
  write_cursor(d);  // what the previous stream had acknowledged
  d.tokens.clear();
  d.stream.emplace(req.last_seq, std::get<StreamPlan>(decision).to, options_.stream);
  d.cursor_written = req.last_seq;
  d.head_told = false;
  // A device that holds nothing learns the queue's epoch from its first batch: until it has
  // one, its own updates come back to it too.
  d.skip_own = req.skip_own && req.epoch != core::Epoch{0};
  d.own.clear();
  ++d.resumes;
  pump(conn, d);
}

void SyncShard::pump(ConnId conn, Device& d) {
  while (d.stream) {
    auto range = d.stream->next();
    if (!range) return;
    const core::Epoch epoch = users_.at(d.user).queue.epoch;
    std::vector<core::Update> updates;
    if (auto mem = memory_.read(d.user, range->from, range->to)) {
      updates = std::move(*mem);
    } else {
      auto stored = store_.read(d.user, range->from, range->to.value() - range->from.value() + 1);
      if (!stored) {
        // Trimmed under the stream (or the store failed): the device must start over.
        const bool trimmed = stored.error() == core::errc::trimmed;
        wire::Resync r{trimmed ? wire::ResyncReason::too_old : wire::ResyncReason::temporary, epoch,
                       users_.at(d.user).queue.head, std::nullopt, std::nullopt};
        if (!trimmed) r.retry_after = std::chrono::milliseconds{1000};
        d.stream.reset();
        return push(conn, d, wire::Message{r}, std::nullopt);
      }
      updates = std::move(*stored);
    }
    bool left_out = false;  // own updates were left out: the batch covers seqs it lacks
    if (range->catch_up) {
      if (d.skip_in_catch_up) updates = without_thread(std::move(updates), *d.skip_in_catch_up);
      updates = core::fold(updates);
    } else if (!d.own.empty()) {
      const std::size_t before = updates.size();
      std::erase_if(updates, [&d](const core::Update& u) {
        return std::binary_search(d.own.begin(), d.own.end(), u.seq);
      });
      left_out = updates.size() != before;
      while (!d.own.empty() && d.own.front() <= range->to) d.own.pop_front();
      if (updates.empty()) {
        d.stream->skip();  // only the device's own: its results carried them
        continue;
      }
    }
    auto batches = make_batches(epoch, range->from, range->to, std::move(updates),
                                range->catch_up || left_out, options_.batches);
    for (std::size_t i = 0; i < batches.size(); ++i) {
      stats_.updates_pushed += batches[i].updates.size();
      const bool last = i + 1 == batches.size();
      push(conn, d, wire::Message{std::move(batches[i])}, last ? std::optional(range->to) : std::nullopt);
    }
  }
}

void SyncShard::push(ConnId conn, Device& d, const wire::Message& m, std::optional<core::Seq> range_end) {
  const std::uint64_t token = next_token_++;
  if (std::holds_alternative<wire::DeltaBatch>(m)) {
    ++stats_.batches_pushed;
    d.tokens.emplace(token, range_end);
  }
  sink_.push(conn, encode(d.encoding, m), token);
}

void SyncShard::on_delivered(ConnId conn, std::uint64_t token) {
  auto dit = devices_.find(conn);
  if (dit == devices_.end()) return;
  Device& d = dit->second;
  auto t = d.tokens.find(token);
  if (t == d.tokens.end()) return;
  const auto range_end = t->second;
  d.tokens.erase(t);
  if (!range_end || !d.stream || !d.stream->on_ack(*range_end)) return;
  ++stats_.acks;
  if (range_end->value() - d.cursor_written.value() >= options_.stream.cursor_write_lag) write_cursor(d);
  pump(conn, d);
}

void SyncShard::write_cursor(Device& d) {
  if (!d.stream || d.stream->acked() <= d.cursor_written) return;
  d.cursor_written = d.stream->acked();
  // A lost cursor write only means a redelivery that the device drops by seq.
  store_.async_advance_cursor(d.user, core::CursorName::device(d.id), d.cursor_written,
                              [](Result<core::Seq>) {});
}

std::optional<core::ThreadId> SyncShard::scoped_resync(core::UserId user,
                                                       const wire::ResumeRequest& req) {
  const core::Seq head = users_.at(user).queue.head;
  const std::uint64_t missing = head.value() - req.last_seq.value();
  if (missing > options_.thread_resync_scan) return std::nullopt;
  const core::Seq from = core::next(req.last_seq);
  std::vector<core::Update> backlog;
  if (auto mem = memory_.read(user, from, head)) {
    backlog = std::move(*mem);
  } else {
    auto stored = store_.read(user, from, missing);
    if (!stored || stored->size() != missing) return std::nullopt;  // a full resync is safe
    backlog = std::move(*stored);
  }
  return thread_to_resync(backlog, req.max_updates);
}

void SyncShard::on_keep_alive(ConnId conn) {
  auto dit = devices_.find(conn);
  if (dit == devices_.end() || !dit->second.stream) return;
  Device& d = dit->second;
  const User& u = users_.at(d.user);
  // A device that acknowledged everything up to the head learns nothing from a heartbeat:
  // it is current, not stalled. An idle phone then pays PINGREQ and PINGRESP only. The
  // first keep-alive after a resume always gets one (that is how a device learns the head
  // when its catch-up was empty).
  if (d.head_told && d.stream->up_to_date()) {  // on_appended keeps the stream's head current
    ++stats_.heartbeats_elided;
    return;
  }
  d.head_told = true;
  ++stats_.heartbeats;
  sink_.signal(conn, encode(d.encoding, wire::Message{wire::Heartbeat{u.queue.epoch, u.queue.head}}));
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

void SyncShard::make_resident(core::UserId user) {
  if (auto u = load(user); !u) {
    IRIS_LOG(debug, "sync", "user {}: inbox not loaded ({}); thread membership says no until it is",
             user.value(), u.error().message());
  }
}

Result<wire::Snapshot> SyncShard::snapshot(core::UserId user, std::optional<std::size_t> latest) {
  auto u = load(user);
  if (!u) return fail(u.error());
  return (*u)->inbox->snapshot((*u)->queue.epoch, latest.value_or(options_.snapshot_latest));
}

Result<wire::ThreadPage> SyncShard::thread_page(core::UserId user, core::ThreadId thread,
                                                std::optional<core::MessageId> before,
                                                std::size_t limit) {
  auto u = load(user);
  if (!u) return fail(u.error());
  const Inbox& inbox = *(*u)->inbox;
  if (!inbox.is_participant(thread, user)) return fail(errc::not_participant);
  // One more than asked says whether older messages exist.
  auto messages = inbox.messages(thread, before, limit + 1);
  wire::ThreadPage page{thread, {}, messages.size() > limit};
  if (page.more) messages.erase(messages.begin());
  page.messages = std::move(messages);
  return page;
}

std::vector<std::uint64_t> SyncShard::cursor_lags() const {
  std::vector<std::uint64_t> lags;
  for (const auto& [conn, d] : devices_) {
    if (!d.stream) continue;
    // A device that took its own last updates from their results holds them, unacked.
    lags.push_back(d.stream->up_to_date() ? 0 : d.stream->head().value() - d.stream->acked().value());
  }
  return lags;
}

Result<std::vector<wire::ThreadMessage>> SyncShard::messages(core::UserId user, core::ThreadId thread,
                                                         std::optional<core::MessageId> before,
                                                         std::size_t limit) {
  auto u = load(user);
  if (!u) return fail(u.error());
  if (!(*u)->inbox->participants(thread)) return fail(errc::unknown_thread);
  return (*u)->inbox->messages(thread, before, limit);
}

Result<std::string> SyncShard::baseline_view(core::UserId user,
                                             std::optional<core::ThreadId> thread) {
  auto u = load(user);
  if (!u) return fail(u.error());
  const Inbox& inbox = *(*u)->inbox;
  if (thread) return baseline_thread_view(inbox, user, (*u)->queue.epoch, *thread);
  return wire::encode_json(
      wire::Message{inbox.snapshot((*u)->queue.epoch, kBaselineViewMessages)});
}

}  // namespace iris::sync
