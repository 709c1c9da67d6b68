// SyncShard (sync_shard.h), the request path shared by MQTT and HTTP: rate limits, the plan
// against the requester's inbox, the durable append in one group commit, the fan-out of
// what was appended to each recipient's owner shard, and the completion.
#include "sync/sync_shard.h"

#include "base/log.h"
#include "core/errc.h"
#include "store/blob/blob_service.h"
#include "store/errc.h"
#include "sync/error_mapping.h"
#include "sync/errc.h"
#include "sync/fanout_plan.h"
#include "sync/message_edits.h"

namespace iris::sync {
namespace {

// The client id of a request, if its kind has one.
constexpr auto client_id_of = [](const auto& m) -> std::optional<core::ClientMsgId> {
  if constexpr (requires { m.client_id; }) {
    return std::optional<core::ClientMsgId>(m.client_id);
  } else {
    return std::nullopt;
  }
};
}  // namespace

std::optional<std::chrono::milliseconds> SyncShard::admit(core::UserId user,
                                                          const wire::Message& request,
                                                          const RequestPeer& peer) {
  const bool send = std::holds_alternative<wire::SendRequest>(request) ||
                    std::holds_alternative<wire::ReadRequest>(request) ||
                    std::holds_alternative<wire::MessageActionRequest>(request);
  const bool thread_op = std::holds_alternative<wire::CreateThreadRequest>(request) ||
                         std::holds_alternative<wire::RenameThreadRequest>(request) ||
                         std::holds_alternative<wire::ChangeParticipantsRequest>(request) ||
                         std::holds_alternative<wire::SocialRequest>(request);
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
          const auto id = next_id(now);
          plan = id ? plan_send(req, user_id, inbox, core::MessageId{*id}, now, limits)
                    : Result<store::AppendRequest>(fail(store::errc::not_owner));
          client_id = req.client_id;
          thread = req.thread;
          // Once the sender is known to be a participant: the references are recorded before
          // the message is appended, so no queued message cites a blob the sweep may remove.
          if (plan && !req.attachments.empty()) {
            const auto* created = std::get_if<core::MessageCreated>(&plan->entries.front().update.body);
            auto referenced = blobs_ != nullptr && created != nullptr
                                  ? blobs_->reference(user_id, req.thread, req.attachments, created->message)
                                  : Result<void>(fail(errc::invalid_request));
            if (!referenced) plan = fail(referenced.error());
          }
        } else if constexpr (std::is_same_v<T, wire::ReadRequest>) {
          plan = plan_read(req, user_id, inbox, now);
          thread = req.thread;
        } else if constexpr (std::is_same_v<T, wire::CreateThreadRequest>) {
          const auto id = next_id(now);
          thread = core::ThreadId{id.value_or(0)};
          plan = id ? plan_create_thread(req, user_id, thread, now, limits)
                    : Result<store::AppendRequest>(fail(store::errc::not_owner));
          client_id = req.client_id;
        } else if constexpr (std::is_same_v<T, wire::RenameThreadRequest>) {
          plan = plan_rename(req, user_id, inbox, now, limits);
          client_id = req.client_id;
          thread = req.thread;
        } else if constexpr (std::is_same_v<T, wire::ChangeParticipantsRequest>) {
          plan = plan_change_participants(req, user_id, inbox, now, limits);
          client_id = req.client_id;
          thread = req.thread;
        } else if constexpr (std::is_same_v<T, wire::MessageActionRequest>) {
          return request_message_action(user_id, inbox, req, std::move(done), origin, version);
        } else if constexpr (std::is_same_v<T, wire::SocialRequest>) {
          return request_social(user_id, inbox, req, std::move(done), origin, version);
        }
        // Every request that reaches other users passes the social policy on this, the
        // requester's owner shard, in the same path (core/social_policy.h).
        if (plan) {
          if (auto allowed = apply_social_policy(user_id, message, *plan); !allowed) plan = fail(allowed.error());
        }
        if (!plan) return refuse(done, plan.error(), client_id, version);
        submit(user_id, std::move(*plan), client_id, thread, std::move(done), origin, version);
      },
      message);
}

std::optional<std::uint64_t> SyncShard::next_id(core::Timestamp now) {
  if (cell_ != nullptr && cell_->makes_ids()) return cell_->next_id(now);
  return ids_.next(now);
}

void SyncShard::submit(core::UserId sender, store::AppendRequest request,
                       core::ClientMsgId client_id, core::ThreadId thread, Completion done,
                       std::optional<RequestOrigin> origin, std::int32_t version) {
  // Every entry carries the same update; keep one copy for the fan-out after the commit.
  core::Update update = request.entries.front().update;
  ShardRouter* router = &router_;
  const auto* appended = &appended_;
  CellFanout* cell = cell_;
  if (cell != nullptr) {
    // In order per sender (docs/CLUSTER.md "Sends across servers"): a server whose ring no
    // longer gives it the sender (a ring change reached it before the device moved) appends
    // nothing for it. Were it to append the sender's update and send a recipient's share the
    // long way, to the recipient's new owner, the sender's next request, accepted there,
    // could reach that recipient first. Refused, the device retries at the new owner.
    const auto owns = cell->owns_by_one_view();
    if (!owns(sender)) return refuse(done, store::errc::not_owner, client_id, version);
    split_by_owner(request, sender, owns);
  }
  auto remote = request.fanout ? std::optional<std::vector<core::UserId>>(request.fanout->recipients) : std::nullopt;
  store_.async_append(std::move(request), [=, update = std::move(update), remote = std::move(remote),
                                           done = std::move(done)](Result<store::AppendResult> r) {
    // On the store's commit thread: route everything to owner shards, in commit order.
    if (!r) {
      router->to_owner(sender, [=, ec = r.error()](SyncShard& s) { s.refuse(done, ec, client_id, version); });
      return;
    }
    core::Seq sender_seq{0};
    for (const auto& p : r->positions) {
      if (p.user == sender && sender_seq.value() == 0) sender_seq = p.seq;
      if (r->duplicate) {
        // The first attempt may have failed with an unknown outcome and committed after all.
        router->to_owner(p.user, [user = p.user, seq = p.seq](SyncShard& s) { s.on_known_committed(user, seq); });
        continue;
      }
      if (*appended) (*appended)(p.user);
      core::Update copy = update;
      copy.seq = p.seq;
      const auto from = p.user == sender ? origin : std::nullopt;
      router->to_owner(p.user, [user = p.user, copy = std::move(copy), from](SyncShard& s) {
        s.on_appended(user, copy, from);
      });
    }
    // The remote share, now durable beside the sender's update. A duplicate's was handed over
    // by its first request; if that one's server died, the new owner finds the row.
    if (remote && !r->duplicate && sender_seq.value() != 0) {
      core::Update copy = update;
      copy.seq = sender_seq;
      cell->forward(store::PendingFanout{sender, std::move(copy), *remote});
    }
    router->to_owner(sender, [=, dup = r->duplicate](SyncShard& s) {
      s.settle_blob_references(update, dup);
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
        result.message = message_of(first->body);
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

}  // namespace iris::sync
