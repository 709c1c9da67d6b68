#pragma once
// Inbox: one user's materialized view of its queue (threads, participants, messages, read
// watermarks), built by applying updates in seq order. It turns a queue into the snapshot a
// device pulls (DESIGN.md step 1): the snapshot names the (epoch, seq) of the last update
// applied, so it is exact at that position however many sends race with it.
//
// An inbox is seeded from the history store's materialized state (from_history) and then
// follows the queue tail that history has not applied yet, so a snapshot stays exact at its
// (epoch, seq) after the queue was trimmed (issue 6). Not thread-safe: built and read on one
// shard.
//
// Message ids grow with time within a thread (the send path assigns them), which is what
// makes read receipts watermarks: a reader has read everything up to `up_to`.
//
// Unread counts (messages from others above the owner's watermark) are kept per thread and
// in total as updates are applied, so the badge is O(1) and a snapshot does not count.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/update.h"
#include "store/history_store.h"
#include "wire/messages.h"

namespace iris::sync {

class Inbox {
 public:
  explicit Inbox(core::UserId owner) : owner_(owner) {}
  // The inbox as history holds it at its position. Requires: `history` carries every message
  // of each thread (read with an unlimited `latest`), since unread counts and paging need them.
  static Inbox from_history(core::UserId owner, const store::HistoryInbox& history);

  // Requires: updates come in seq order, each once.
  void apply(const core::Update& update);

  // The inbox as of the last applied update: every thread (ordered by thread id), its
  // newest `latest` messages (oldest first), unread count and watermarks.
  wire::Snapshot snapshot(core::Epoch epoch, std::size_t latest) const;

  // Messages of `thread` older than `before` (all when nullopt), newest `limit` of them,
  // oldest first: the paged history of GET /v1/threads/{id}/messages.
  std::vector<wire::ThreadMessage> messages(core::ThreadId thread,
                                            std::optional<core::MessageId> before,
                                            std::size_t limit) const;
  bool is_participant(core::ThreadId thread, core::UserId user) const;
  // The thread's participants in the order they joined (the creator first), or nullptr if
  // the thread is not in this inbox.
  const std::vector<core::UserId>* participants(core::ThreadId thread) const;
  // The id of the thread's newest message, nullopt if it holds none (or is not here).
  std::optional<core::MessageId> newest_message(core::ThreadId thread) const;
  // The message as this inbox shows it, or nullptr (not here: never, unsent, deleted for me).
  const wire::ThreadMessage* message(core::ThreadId thread, core::MessageId id) const;
  // Unread messages over every thread, and the threads that have any (the badge).
  std::uint32_t unread() const { return unread_; }
  std::uint32_t unread_threads() const { return unread_threads_; }
  core::Seq seq() const { return seq_; }
  std::size_t thread_count() const { return threads_.size(); }

 private:
  struct Thread {
    std::string name;
    std::vector<core::UserId> participants;
    std::map<core::MessageId, wire::ThreadMessage> messages;
    std::map<core::UserId, core::MessageId> watermarks;
    std::uint32_t unread = 0;  // messages from others above the owner's watermark
  };

  bool is_unread(const Thread& t, core::MessageId id) const;
  std::uint32_t count_unread(const Thread& t) const;
  // Moves the totals by the change of `t.unread` from `before`.
  void account(const Thread& t, std::uint32_t before);

  core::UserId owner_;
  core::Seq seq_{0};
  std::map<core::ThreadId, Thread> threads_;
  std::uint32_t unread_ = 0;
  std::uint32_t unread_threads_ = 0;
};

}  // namespace iris::sync
