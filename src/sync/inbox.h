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
  core::Seq seq() const { return seq_; }
  std::size_t thread_count() const { return threads_.size(); }

 private:
  struct Thread {
    std::string name;
    std::vector<core::UserId> participants;
    std::map<core::MessageId, wire::ThreadMessage> messages;
    std::map<core::UserId, core::MessageId> watermarks;
  };

  core::UserId owner_;
  core::Seq seq_{0};
  std::map<core::ThreadId, Thread> threads_;
};

}  // namespace iris::sync
