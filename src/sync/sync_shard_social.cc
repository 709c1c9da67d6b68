// SyncShard's social routing (issue 22; core/social_policy.h, store/social/social_store.h):
// the policy applied to every planned request that reaches other users, SocialRequests
// (contacts, blocks, folders, the group-add setting), and the social part of snapshots.
// Runs on the shard's thread like the rest of SyncShard (sync_shard.h).

#include <algorithm>
#include <limits>

#include "store/social/social_store.h"
#include "sync/errc.h"
#include "sync/sync_shard.h"

namespace iris::sync {
namespace {

bool valid_user(core::UserId u) {
  return u.value() != 0 && u.value() != std::numeric_limits<std::uint64_t>::max();
}

// What `now` becomes after `action` (a contact action).
core::Relation next_relation(core::Relation now, wire::SocialAction action) {
  using A = wire::SocialAction;
  using R = core::Relation;
  switch (action) {
    case A::add_contact: return R::contact;
    case A::remove_contact: return now == R::contact ? R::none : now;
    case A::block: return R::blocked;
    case A::unblock: return now == R::blocked ? R::none : now;
    default: return now;
  }
}

}  // namespace

Result<void> SyncShard::apply_social_policy(core::UserId actor, const wire::Message& request,
                                            store::AppendRequest& plan) {
  if (!social_ || plan.entries.empty()) return {};
  const core::Update& main = plan.entries.front().update;
  // A cell-wide social store (MariaDB, shared by the cell's servers) holds the state of every
  // user placed in this cell: those recipients are judged here, also those another server
  // owns, before the commit that appends the local shares and records the fan-out. A
  // per-server store (SQLite) holds the state of the users this server owns (their
  // SocialRequests run on their owner). A recipient whose state is not here (owned by
  // another server with a per-server store, or placed in another cell) is left to its owner,
  // when it appends the fan-out frame (sync_shard_fanout.cc), not judged by defaults read here.
  const bool cell_wide = social_->cell_wide();
  auto judged_here = [&](core::UserId u) {
    return cell_ == nullptr || cell_->owns(u) || (cell_wide && cell_->placed_here(u));
  };
  if (std::holds_alternative<wire::SendRequest>(request)) {
    // A blocked sender's message does not reach the one who blocked it; if nobody else is
    // left to receive it, the send is refused (the sender learns "not accepted" only). All
    // recipients are asked in one read: it runs on every send.
    std::vector<core::UserId> judged;
    for (const auto& e : plan.entries) {
      if (e.user != actor && judged_here(e.user)) judged.push_back(e.user);
    }
    auto blockers = social_->blocked_by(actor, judged);
    if (!blockers) return fail(blockers.error());
    if (blockers->empty()) return {};
    const auto before = plan.entries.size();
    std::erase_if(plan.entries, [&](const store::AppendEntry& e) {
      return e.user != actor && std::find(blockers->begin(), blockers->end(), e.user) != blockers->end();
    });
    const bool others = std::any_of(plan.entries.begin(), plan.entries.end(),
                                    [&](const store::AppendEntry& e) { return e.user != actor; });
    if (plan.entries.size() != before && !others) return fail(errc::not_accepted);
    return {};
  }
  // Who arrives in a thread, and how: everyone but the creator of a new thread, the added
  // users of a change. A non-contact's thread lands in the recipient's requests folder.
  std::vector<core::UserId> arriving;
  core::Arrival arrival = core::Arrival::group;
  if (const auto* created = std::get_if<core::ThreadCreated>(&main.body)) {
    for (auto u : created->participants) {
      if (u != actor) arriving.push_back(u);
    }
    if (created->participants.size() <= 2) arrival = core::Arrival::one_to_one;
    if (core::is_external_identity(actor)) arrival = core::Arrival::addressed;
  } else if (const auto* changed = std::get_if<core::ParticipantsChanged>(&main.body)) {
    arriving = changed->added;
  } else {
    return {};
  }
  std::vector<store::FolderRow> rows;
  for (auto u : arriving) {
    if (!judged_here(u)) continue;
    auto folder = social_->folder_for_new_thread(u, actor, arrival);
    if (!folder) return fail(folder.error());
    if (!*folder) return fail(errc::not_accepted);
    if (**folder != core::Folder::inbox) rows.push_back({u, main.thread, **folder});
  }
  if (rows.empty()) return {};
  // Recorded before the append: a failed append leaves a folder row of a thread that does not
  // exist (harmless). With a cell-wide store this includes remote recipients' rows, which
  // their owners' snapshots read. No update announces it: the recipient's devices derive it
  // from the thread_created or participants_changed (by a non-contact) in their queue, the
  // same rule.
  return social_->set_folders(rows);
}

void SyncShard::request_social(core::UserId user, const Inbox& inbox, const wire::SocialRequest& req,
                               Completion done, std::optional<RequestOrigin> origin,
                               std::int32_t version) {
  if (!social_) return refuse(done, errc::invalid_request, req.client_id, version);
  const core::IdempotencyKey key{user, req.client_id};
  // A retry must not write the table again (a later request may have changed it since).
  auto known = store_.find(key);
  if (!known) return refuse(done, known.error(), req.client_id, version);
  if (*known) {
    wire::SendResult result{req.client_id, req.thread, std::nullopt, core::Seq{0}, (*known)->time};
    for (const auto& p : (*known)->positions) {
      if (p.user == user) result.seq = p.seq;
    }
    return done(std::move(result));
  }
  core::Update u{core::Seq{0}, now_(), core::ThreadId{0}, user, core::SettingsChanged{req.group_add}};
  Result<void> written;
  using A = wire::SocialAction;
  switch (req.action) {
    case A::add_contact:
    case A::remove_contact:
    case A::block:
    case A::unblock: {
      if (!valid_user(req.user) || req.user == user) {
        return refuse(done, errc::invalid_request, req.client_id, version);
      }
      auto now = social_->relation(user, req.user);
      if (!now) return refuse(done, now.error(), req.client_id, version);
      const core::Relation next = next_relation(*now, req.action);
      written = social_->set_relation(user, req.user, next);
      u.body = core::ContactChanged{req.user, next};
      break;
    }
    case A::accept:
    case A::archive:
    case A::unarchive: {
      const auto* members = inbox.participants(req.thread);
      if (!members) return refuse(done, errc::unknown_thread, req.client_id, version);
      if (std::find(members->begin(), members->end(), user) == members->end()) {
        return refuse(done, errc::not_participant, req.client_id, version);
      }
      const core::Folder folder = req.action == A::archive ? core::Folder::archived : core::Folder::inbox;
      const store::FolderRow row{user, req.thread, folder};
      written = social_->set_folders(std::span(&row, 1));
      u.thread = req.thread;
      u.body = core::FolderChanged{folder};
      break;
    }
    case A::set_group_add:
      written = social_->set_group_add(user, req.group_add);
      break;
  }
  if (!written) return refuse(done, written.error(), req.client_id, version);
  store::AppendRequest plan;
  plan.entries.push_back({user, std::move(u)});
  plan.idempotency = key;
  const core::ThreadId thread = plan.entries.front().update.thread;
  submit(user, std::move(plan), req.client_id, thread, std::move(done), origin, version);
}

Result<void> SyncShard::add_social(core::UserId user, wire::Snapshot& snapshot) const {
  if (!social_) return {};
  auto state = social_->state(user);
  if (!state) return fail(state.error());
  auto folders = social_->folders(user);
  if (!folders) return fail(folders.error());
  snapshot.contacts = std::move(state->contacts);
  snapshot.blocked = std::move(state->blocked);
  snapshot.group_add = state->group_add;
  for (auto& t : snapshot.threads) {
    if (auto f = folders->find(t.thread); f != folders->end()) t.folder = f->second;
  }
  return {};
}

Result<wire::ContactList> SyncShard::contact_list(core::UserId user) const {
  if (!social_) return fail(errc::invalid_request);
  auto state = social_->state(user);
  if (!state) return fail(state.error());
  return wire::ContactList{std::move(state->contacts), std::move(state->blocked), state->group_add};
}

}  // namespace iris::sync
