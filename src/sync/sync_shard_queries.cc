// SyncShard (sync_shard.h), the HTTP API's queries: snapshots, thread pages and older
// messages, and the bandwidth benchmark's pull baseline views, all from the user's inbox.
#include "sync/sync_shard.h"

#include "sync/baseline_view.h"
#include "sync/errc.h"
#include "wire/json_codec.h"

namespace iris::sync {

Result<wire::Snapshot> SyncShard::snapshot(core::UserId user, std::optional<std::size_t> latest) {
  auto u = load(user);
  if (!u) return fail(u.error());
  auto s = (*u)->inbox->snapshot((*u)->queue.epoch, latest.value_or(options_.snapshot_latest));
  // Read after the inbox: the social state is at least as new as the snapshot's seq.
  if (auto r = add_social(user, s); !r) return fail(r.error());
  return s;
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
