// SyncShard (sync_shard.h), device streaming: a device's connection, its requests as they
// arrive, its resume, the ranges pumped to it as DeltaBatches, its acknowledgements and
// cursor writes, and its heartbeats.
#include "sync/sync_shard.h"

#include <algorithm>

#include "base/log.h"
#include "core/errc.h"
#include "core/folding.h"
#include "sync/resume_planner.h"
#include "wire/codec.h"
#include "wire/json_codec.h"

namespace iris::sync {

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

void SyncShard::resume(ConnId conn, Device& d, const wire::ResumeRequest& req) {
  auto u = load(d.user);
  if (!u) {
    wire::Resync r{wire::ResyncReason::temporary, {}, {}, std::chrono::milliseconds{1000}, std::nullopt};
    return push(conn, d, wire::Message{r}, std::nullopt);
  }
  // The trimmer moves first_retained behind our back: resume against the store's view.
  if (auto info = store_.info(d.user)) {
    (*u)->queue.first_retained = info->first_retained;
    if (info->epoch != (*u)->queue.epoch || info->head > (*u)->queue.head) {
      // The queue holds more than this shard saw: another server of the cell appended to it
      // while it owned the user, or a commit's news is still on its way here. Plan the resume
      // against the store, not against a head that would resync a device that is current or
      // stream nothing to one that is behind. The device's previous stream ends first, so
      // the catch-up pushes nothing more of it.
      write_cursor(d);
      d.stream.reset();
      catch_up_with_store(d.user, *info);
      u = load(d.user);
      if (!u) {
        wire::Resync r{wire::ResyncReason::temporary, {}, {}, std::chrono::milliseconds{1000}, std::nullopt};
        return push(conn, d, wire::Message{r}, std::nullopt);
      }
    }
  }
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
    std::vector<core::VanishedMessages> vanished;
    if (range->catch_up) {
      if (d.skip_in_catch_up) updates = without_thread(std::move(updates), *d.skip_in_catch_up);
      auto folded = core::fold_range(updates);
      updates = std::move(folded.updates);
      vanished = std::move(folded.vanished);
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
    left_out = drop_kinds_newer_than(updates, d.protocol) || left_out;
    auto batches = make_batches(epoch, range->from, range->to, std::move(updates),
                                range->catch_up || left_out, options_.batches);
    batches.back().vanished = std::move(vanished);
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
  check_epoch_generation();  // a heartbeat must not tell an epoch the store no longer has
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

std::vector<std::uint64_t> SyncShard::cursor_lags() const {
  std::vector<std::uint64_t> lags;
  for (const auto& [conn, d] : devices_) {
    if (!d.stream) continue;
    // A device that took its own last updates from their results holds them, unacked.
    lags.push_back(d.stream->up_to_date() ? 0 : d.stream->head().value() - d.stream->acked().value());
  }
  return lags;
}

}  // namespace iris::sync
