// SyncShard (sync_shard.h), the receiving side of the cell link: a peer's pending fan-out
// (fanout_frame.h) appended to the recipients this server owns, each under fanout_key, and
// pushed to their devices like any append.
#include <algorithm>
#include <memory>
#include <variant>
#include <mutex>

#include "store/social/social_store.h"
#include "sync/errc.h"
#include "sync/fanout_plan.h"
#include "sync/sync_shard.h"

namespace iris::sync {

void SyncShard::accept_fanout(store::PendingFanout fanout, std::function<void(Result<void>)> done) {
  for (auto r : fanout.recipients) {
    if (cell_ == nullptr || !cell_->owns(r)) return done(fail(errc::not_owner));
  }
  // The sender's server applied the social policy before its commit, but a block may have
  // been acknowledged since (the frame waits in the sender's fan-out pointer, maybe through a
  // failover), and with a per-server social store (social.path) a recipient's blocks live on
  // the recipient's owner: this one. So its blocks are checked again here, before anything
  // is appended: a blocked sender's message does not reach the recipient, and the frame is
  // confirmed as delivered (the sender learns nothing more than a local send would tell it).
  // An unreadable store fails the frame; the sender's owner retries it.
  if (social_ != nullptr && std::holds_alternative<core::MessageCreated>(fanout.update.body)) {
    auto blockers = social_->blocked_by(fanout.sender, fanout.recipients);
    if (!blockers) return done(fail(blockers.error()));
    std::erase_if(fanout.recipients, [&](core::UserId r) {
      return std::find(blockers->begin(), blockers->end(), r) != blockers->end();
    });
    if (fanout.recipients.empty()) return done(Result<void>{});
  }
  // One append per recipient, each with its own key: after a ring change a re-send may name
  // recipients of which some were appended already; those append nothing again.
  // The recipients' appends may complete on different commit threads (a store commits
  // several groups at once, each on its own thread), so the join is guarded.
  struct Join {
    std::mutex mu;
    std::size_t left = 0;          // guarded by mu
    std::error_code first_error;   // guarded by mu
    std::function<void(Result<void>)> done;
  };
  auto join = std::make_shared<Join>();
  join->left = fanout.recipients.size();
  join->done = std::move(done);
  ShardRouter* router = &router_;
  const auto* appended = &appended_;
  const std::uint32_t here = shard_;
  for (auto recipient : fanout.recipients) {
    store::AppendRequest request;
    request.entries.push_back({recipient, fanout.update});
    request.idempotency = fanout_key(fanout.sender, fanout.update.seq, recipient);
    store_.async_append(std::move(request), [=, update = fanout.update](Result<store::AppendResult> r) {
      // On the store's commit thread, in commit order: like submit()'s completion.
      if (!r) {
        std::lock_guard lock(join->mu);
        if (!join->first_error) join->first_error = r.error();
      } else if (!r->duplicate && !r->positions.empty()) {
        if (*appended) (*appended)(recipient);
        core::Update copy = update;
        copy.seq = r->positions.front().seq;
        router->to_owner(recipient, [recipient, copy = std::move(copy)](SyncShard& s) { s.on_appended(recipient, copy); });
      }
      bool last = false;
      {
        std::lock_guard lock(join->mu);
        last = --join->left == 0;
      }
      if (last) {
        // Every append answered: first_error is final, and only this shard reads it now.
        router->to_shard(here, [join](SyncShard&) {
          if (join->first_error) join->done(fail(join->first_error));
          else join->done(Result<void>{});
        });
      }
    });
  }
}

}  // namespace iris::sync
