#include "sync/request_planner.h"

#include <algorithm>
#include <limits>

#include "sync/errc.h"

namespace iris::sync {
namespace {

// The participants of `thread` as `who` sees them, if `who` is one of them.
Result<const std::vector<core::UserId>*> members_for(const Inbox& inbox, core::ThreadId thread,
                                                     core::UserId who) {
  const auto* members = inbox.participants(thread);
  if (!members) return fail(errc::unknown_thread);
  if (std::find(members->begin(), members->end(), who) == members->end()) {
    return fail(errc::not_participant);
  }
  return members;
}

store::AppendRequest to_each(const std::vector<core::UserId>& users, const core::Update& update,
                             std::optional<core::IdempotencyKey> key) {
  store::AppendRequest r;
  r.entries.reserve(users.size());
  for (auto u : users) r.entries.push_back({u, update});
  r.idempotency = key;
  return r;
}

std::vector<core::UserId> distinct(std::vector<core::UserId> users) {
  std::vector<core::UserId> out;
  for (auto u : users) {
    if (std::find(out.begin(), out.end(), u) == out.end()) out.push_back(u);
  }
  return out;
}

// 0 means "none" in ids and 2^64-1 is -1 on the wire: neither names a user.
bool valid_user(core::UserId u) {
  return u.value() != 0 && u.value() != std::numeric_limits<std::uint64_t>::max();
}

// Every id valid and none listed twice, within `a` and across `a` and `b`.
bool valid_distinct(const std::vector<core::UserId>& a, const std::vector<core::UserId>& b = {}) {
  std::vector<core::UserId> all = a;
  all.insert(all.end(), b.begin(), b.end());
  if (!std::all_of(all.begin(), all.end(), valid_user)) return false;
  std::sort(all.begin(), all.end());
  return std::adjacent_find(all.begin(), all.end()) == all.end();
}

}  // namespace

Result<store::AppendRequest> plan_send(const wire::SendRequest& req, core::UserId sender,
                                       const Inbox& inbox, core::MessageId id, core::Timestamp now,
                                       const RequestLimits& limits) {
  if (req.body.size() > limits.max_body_bytes) return fail(errc::too_large);
  auto members = members_for(inbox, req.thread, sender);
  if (!members) return fail(members.error());
  const core::Update u{core::Seq{0}, now, req.thread, sender,
                       core::MessageCreated{.message = id, .client_id = req.client_id, .text = req.body, .reply_to = req.reply_to, .attachments = req.attachments}};
  return to_each(**members, u, core::IdempotencyKey{sender, req.client_id});
}

Result<store::AppendRequest> plan_read(const wire::ReadRequest& req, core::UserId reader,
                                       const Inbox& inbox, core::Timestamp now) {
  auto members = members_for(inbox, req.thread, reader);
  if (!members) return fail(members.error());
  // A watermark past every message would mark as read what has not been sent yet.
  const auto newest = inbox.newest_message(req.thread);
  if (!newest || req.up_to > *newest) return fail(errc::invalid_request);
  const core::Update u{core::Seq{0}, now, req.thread, reader, core::ReadReceipt{reader, req.up_to}};
  return to_each(**members, u, std::nullopt);  // receipts are watermarks: a repeat is harmless
}

Result<store::AppendRequest> plan_create_thread(const wire::CreateThreadRequest& req,
                                                core::UserId creator, core::ThreadId id,
                                                core::Timestamp now, const RequestLimits& limits) {
  if (req.name.size() > limits.max_name_bytes) return fail(errc::too_large);
  if (req.participants.size() > limits.max_participants) return fail(errc::too_large);
  if (!valid_distinct(req.participants)) return fail(errc::invalid_request);
  std::vector<core::UserId> members = req.participants;
  members.insert(members.begin(), creator);
  members = distinct(std::move(members));
  if (members.size() > limits.max_participants) return fail(errc::too_large);
  const core::Update u{core::Seq{0}, now, id, creator, core::ThreadCreated{req.name, members}};
  return to_each(members, u, core::IdempotencyKey{creator, req.client_id});
}

Result<store::AppendRequest> plan_rename(const wire::RenameThreadRequest& req, core::UserId who,
                                         const Inbox& inbox, core::Timestamp now,
                                         const RequestLimits& limits) {
  if (req.name.size() > limits.max_name_bytes) return fail(errc::too_large);
  auto members = members_for(inbox, req.thread, who);
  if (!members) return fail(members.error());
  const core::Update u{core::Seq{0}, now, req.thread, who, core::ThreadRenamed{req.name}};
  return to_each(**members, u, core::IdempotencyKey{who, req.client_id});
}

Result<store::AppendRequest> plan_change_participants(const wire::ChangeParticipantsRequest& req,
                                                      core::UserId who, const Inbox& inbox,
                                                      core::Timestamp now,
                                                      const RequestLimits& limits) {
  auto members = members_for(inbox, req.thread, who);
  if (!members) return fail(members.error());
  if (req.added.empty() && req.removed.empty()) return fail(errc::invalid_request);
  if (req.added.size() + req.removed.size() > 2 * limits.max_participants) return fail(errc::too_large);
  if (!valid_distinct(req.added, req.removed)) return fail(errc::invalid_request);
  const bool owner = (*members)->front() == who;
  for (auto u : req.removed) {
    if (u != who && !owner) return fail(errc::not_allowed);
  }
  std::vector<core::UserId> after = **members;
  for (auto u : req.added) {
    if (std::find(after.begin(), after.end(), u) == after.end()) after.push_back(u);
  }
  for (auto u : req.removed) std::erase(after, u);
  if (after.size() > limits.max_participants) return fail(errc::too_large);
  std::vector<core::UserId> told = **members;
  told.insert(told.end(), req.added.begin(), req.added.end());
  const core::Update u{core::Seq{0}, now, req.thread, who,
                       core::ParticipantsChanged{req.added, req.removed}};
  return to_each(distinct(std::move(told)), u, core::IdempotencyKey{who, req.client_id});
}

std::uint64_t IdGenerator::next(core::Timestamp now) {
  auto ms = static_cast<std::uint64_t>(now.time_since_epoch().count());
  if (ms < last_ms_) ms = last_ms_;  // the clock stepped back: stay monotonic
  if (ms == last_ms_) {
    if (++counter_ == 4096) {  // this millisecond is used up: borrow the next one
      ++ms;
      counter_ = 0;
    }
  } else {
    counter_ = 0;
  }
  last_ms_ = ms;
  return ms << 22 | static_cast<std::uint64_t>(shard_) << 12 | counter_;
}

std::uint64_t CellIdGenerator::next(core::Timestamp now, std::uint32_t slot) {
  const auto ms = static_cast<std::uint64_t>(now.time_since_epoch().count());
  std::uint64_t last = last_.load(std::memory_order_relaxed);
  std::uint64_t made = 0;
  do {
    const std::uint64_t last_ms = last >> 12;
    if (ms > last_ms) {
      made = ms << 12;
    } else if ((last & 0xFFF) != 0xFFF) {
      made = last + 1;  // this millisecond (or a later one borrowed, or the clock stepped back)
    } else {
      made = (last_ms + 1) << 12;  // this millisecond is used up: borrow the next one
    }
  } while (!last_.compare_exchange_weak(last, made, std::memory_order_relaxed));
  return (made >> 12) << 22 | static_cast<std::uint64_t>(slot & (kSlots - 1)) << 12 | (made & 0xFFF);
}

}  // namespace iris::sync
