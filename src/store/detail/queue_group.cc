#include "store/detail/queue_group.h"

#include <algorithm>
#include <tuple>

#include "core/errc.h"
#include "store/errc.h"

namespace iris::store::detail {

void fail_all(std::vector<QueueOp>& ops, std::error_code ec) {
  for (QueueOp& op : ops) std::visit([&](auto& o) { o.done(fail(ec)); }, op);
}

void QueueGroup::apply(QueueOp& op) {
  std::visit([&](auto& o) { apply(o); }, op);
}

void QueueGroup::finish() {
  for (const auto& [user, dirty] : dirty_) {
    tables_.put_meta(user, metas_.at(user));
    ++writes_;
  }
  for (const auto& [key, name] : cursors_dirty_) {
    tables_.put_cursor(key.first, name, cursors_.at(key));
    ++writes_;
  }
  dirty_.clear();
  cursors_dirty_.clear();
}

void QueueGroup::complete(std::error_code write_error) {
  for (auto& complete : completions_) complete(write_error);
  completions_.clear();
}

// The meta of `user` as this group sees it: earlier operations of the group, then the
// store's committed state. A queue that does not exist yet gets an epoch when `create` is set.
Result<Meta*> QueueGroup::meta_for(UserId user, bool create) {
  auto it = metas_.find(user);
  if (it == metas_.end()) {
    auto stored = tables_.meta(user);
    if (!stored) return fail(stored.error());
    it = metas_.emplace(user, *stored).first;
  }
  Meta& meta = it->second;
  if (create && meta.epoch.value() == 0) {
    do meta.epoch = core::Epoch{rng_()}; while (meta.epoch.value() == 0);
    dirty_[user] = true;
  }
  return &meta;
}

Result<std::optional<Seq>> QueueGroup::cursor_for(UserId user, const CursorName& name) {
  if (auto it = cursors_.find(CursorKey{user, name.str()}); it != cursors_.end()) {
    return std::optional<Seq>{it->second};
  }
  return tables_.cursor(user, name);
}

namespace {

// The note names one of the entries' users as sender and 1..max recipients outside them.
bool valid_note(const AppendRequest& r, std::size_t max_recipients) {
  const auto named = [&](UserId u) {
    return std::any_of(r.entries.begin(), r.entries.end(), [&](const AppendEntry& e) { return e.user == u; });
  };
  const auto& n = *r.fanout;
  return named(n.sender) && !n.recipients.empty() && n.recipients.size() <= max_recipients &&
         std::none_of(n.recipients.begin(), n.recipients.end(), named);
}

}  // namespace

void QueueGroup::apply(FanoutDoneOp& op) {
  for (const auto& r : op.rows) tables_.delete_fanout(r.sender, r.seq);
  ++writes_;
  completions_.push_back([done = std::move(op.done)](std::error_code ec) {
    if (ec) done(fail(ec));
    else done(Result<void>{});
  });
}

void QueueGroup::apply(AppendOp& op) {
  if (op.request.entries.empty() ||
      (op.request.fanout && !valid_note(op.request, rules_.max_fanout_recipients))) {
    return complete_now<AppendResult>(op.done, fail(errc::invalid_request));
  }
  const auto& key = op.request.idempotency;
  if (key) {
    if (auto it = keys_.find(*key); it != keys_.end()) {
      AppendResult dup = it->second;
      dup.duplicate = true;
      return complete_after_write(op.done, std::move(dup));
    }
    auto known = tables_.record(*key);
    if (!known) return complete_now<AppendResult>(op.done, fail(known.error()));
    if (*known) {
      return complete_now<AppendResult>(op.done, AppendResult{std::move((*known)->positions), true});
    }
  }
  // Check every queue's owner and limit before touching any, so a refusal changes nothing.
  std::vector<std::pair<Meta*, std::uint64_t>> counts;  // few users per request: linear is fine
  for (const auto& e : op.request.entries) {
    if (auto ok = tables_.may_append(e.user); !ok) return complete_now<AppendResult>(op.done, fail(ok.error()));
    auto meta = meta_for(e.user, false);
    if (!meta) return complete_now<AppendResult>(op.done, fail(meta.error()));
    auto it = std::find_if(counts.begin(), counts.end(), [&](auto& c) { return c.first == *meta; });
    if (it == counts.end()) counts.emplace_back(*meta, 1);
    else ++it->second;
  }
  for (const auto& [meta, n] : counts) {
    const std::uint64_t retained = meta->head.value() + 1 - meta->first.value();
    if (retained + n > rules_.max_queue_length) {
      return complete_now<AppendResult>(op.done, fail(core::errc::queue_full));
    }
  }
  // (owner, actor) -> updates: few per request, linear is fine.
  std::vector<std::tuple<UserId, UserId, std::uint64_t>> by_actor;
  for (const auto& e : op.request.entries) {
    auto it = std::find_if(by_actor.begin(), by_actor.end(), [&](const auto& t) {
      return std::get<0>(t) == e.user && std::get<1>(t) == e.update.actor;
    });
    if (it == by_actor.end()) by_actor.emplace_back(e.user, e.update.actor, 1);
    else ++std::get<2>(*it);
  }
  for (const auto& [owner, actor, n] : by_actor) {
    const Meta& meta = *meta_for(owner, false).value();  // in the group already
    const std::uint64_t retained = meta.head.value() + 1 - meta.first.value();
    const Seq first = meta.first;
    auto ok = shares_.check(owner, retained, actor, n,
                            [&](UserId u) { return tables_.count_actors(u, first); });
    if (!ok) return complete_now<AppendResult>(op.done, fail(ok.error()));
  }
  AppendResult result;
  result.positions.reserve(op.request.entries.size());
  bool noted = false;
  for (auto& e : op.request.entries) {
    Meta& meta = *meta_for(e.user, true).value();  // in the group already: cannot fail
    meta.head = core::next(meta.head);
    dirty_[e.user] = true;
    e.update.seq = meta.head;
    scratch_.clear();
    encode_update(e.update, scratch_);
    tables_.put_update(e.user, meta.head, e.update.actor, scratch_);
    ++writes_;
    result.positions.push_back({e.user, meta.head});
    if (op.request.fanout && !noted && e.user == op.request.fanout->sender) {
      // In the same commit as the sender's update: the fan-out pointer's row.
      noted = true;
      tables_.put_fanout(e.user, meta.head, op.request.fanout->recipients, scratch_);
      ++writes_;
    }
  }
  for (const auto& [owner, actor, n] : by_actor) shares_.added(owner, actor, n);
  if (key) {
    scratch_.clear();
    const core::IdempotencyRecord record{op.request.entries.front().update.time, result.positions};
    encode_idempotency(record, scratch_);
    tables_.put_record(*key, scratch_);
    keys_.emplace(*key, result);
  }
  complete_after_write(op.done, std::move(result));
}

void QueueGroup::apply(CursorOp& op) {
  if (rules_.max_cursor_name != 0 && op.name.str().size() > rules_.max_cursor_name) {
    return complete_now<Seq>(op.done, fail(errc::invalid_request));
  }
  auto meta = meta_for(op.user, false);
  if (!meta) return complete_now<Seq>(op.done, fail(meta.error()));
  if (op.to > (*meta)->head) return complete_now<Seq>(op.done, fail(core::errc::cursor_beyond_head));
  if ((*meta)->epoch.value() == 0) return complete_now<Seq>(op.done, Result<Seq>(Seq{0}));
  auto current = cursor_for(op.user, op.name);
  if (!current) return complete_now<Seq>(op.done, fail(current.error()));
  if (*current && **current >= op.to) return complete_now<Seq>(op.done, Result<Seq>(**current));
  const CursorKey key{op.user, op.name.str()};
  cursors_[key] = op.to;
  cursors_dirty_.insert_or_assign(key, op.name);
  complete_after_write(op.done, op.to);
}

void QueueGroup::apply(TrimOp& op) {
  using Count = std::size_t;
  auto meta = meta_for(op.user, false);
  if (!meta) return complete_now<Count>(op.done, fail(meta.error()));
  auto storage = cursor_for(op.user, CursorName::storage());
  if (!storage) return complete_now<Count>(op.done, fail(storage.error()));
  if (!*storage || **storage < op.up_to) {
    return complete_now<Count>(op.done, fail(core::errc::trim_past_storage_cursor));
  }
  Meta& m = **meta;
  if (op.up_to < m.first) return complete_now<Count>(op.done, Result<Count>(0));
  shares_.forget(op.user);
  const Count dropped = op.up_to.value() + 1 - m.first.value();
  tables_.delete_updates(op.user, m.first, op.up_to);
  ++writes_;
  m.first = core::next(op.up_to);
  dirty_[op.user] = true;
  complete_after_write(op.done, dropped);
}

}  // namespace iris::store::detail
