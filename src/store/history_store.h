#pragma once
// HistoryStore: the history tier (DESIGN.md "Tiers by recency", tier 3): every user's full
// conversation history and materialized inbox, written by the history writer that follows
// the `storage` cursor, in a database of its own (never the queue store's).
//
// Contract shared by every backend (tests/history_store_conformance_test.cc checks it):
//  - apply() is durable and atomic across all the batches it is given: after it returns
//    success every update in it is on stable storage; after a failure none is visible.
//  - Per user, updates are applied in seq order. An update at or below the user's applied
//    seq is skipped, so re-applying a range after a crash (history committed, storage cursor
//    not yet moved) is harmless. A gap (first seq beyond applied + 1) is accepted: it only
//    happens when the queue was trimmed before history had it, which the retention rule
//    forbids; the writer logs it.
//  - A batch whose epoch differs from the user's stored one starts a new incarnation: the
//    queue was rebuilt, every device resyncs, and history follows the queue from scratch.
//  - The materialized state follows the same rules as sync::Inbox (core/thread_fold.h): a read
//    receipt is a watermark that never moves back, an edit replaces the text and counts, a
//    delete (unsend or delete for me) removes the message, a reaction replaces the actor's
//    one, unread = messages from others above the owner's watermark. A message keeps its
//    attachments, edit count and reactions, so it reads as it does from the queue's snapshot.
//  - An unsend leaves no content behind: from then on updates() returns the message's create
//    and edits with no text and no attachments (core::strip_unsent), for every participant
//    (the thread's body is shared), and no attachment reference of it remains.
//  - Reads may run on any thread, concurrently with apply(); they see committed state only.
//
// set_unavailable(true) is a fault switch for tests and drills: every call fails with
// errc::unavailable until it is switched off, as if the disk were gone.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/ids.h"
#include "core/update.h"

namespace iris::store {

// One user's contiguous run of updates, in seq order, from the queue of incarnation `epoch`.
struct HistoryBatch {
  core::UserId user;
  core::Epoch epoch;
  std::vector<core::Update> updates;
};

// How far history has one user: the queue incarnation and the last applied seq (0: none).
struct HistoryPosition {
  core::Epoch epoch;
  core::Seq seq{0};
  bool operator==(const HistoryPosition&) const = default;
};

struct HistoryMessage {
  core::MessageId message;
  core::UserId sender;
  core::Timestamp time;
  std::string text;
  std::optional<core::MessageId> reply_to;
  // Edits so far and reactions, folded as core/thread_fold.h folds them.
  std::uint32_t edit_count = 0;
  std::vector<core::Reaction> reactions{};  // by user id
  std::vector<core::Attachment> attachments{};
  bool operator==(const HistoryMessage&) const = default;
};

struct HistoryThread {
  core::ThreadId thread;
  std::string name;
  std::vector<core::UserId> participants;  // in the order they joined
  std::vector<HistoryMessage> latest;      // the newest messages, oldest first
  std::uint64_t unread_count = 0;          // over the whole thread, not just `latest`
  std::vector<std::pair<core::UserId, core::MessageId>> watermarks;  // by reader id
  bool operator==(const HistoryThread&) const = default;
};

// One user's materialized inbox as of `position`: every thread, ordered by thread id.
struct HistoryInbox {
  HistoryPosition position;
  std::vector<HistoryThread> threads;
  bool operator==(const HistoryInbox&) const = default;
};

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;

  // Applies every batch in one durable transaction (see the contract above).
  // Requires: each batch's updates are in increasing seq order; one user at most once.
  virtual Result<void> apply(std::span<const HistoryBatch> batches) = 0;

  virtual Result<HistoryPosition> position(core::UserId user) const = 0;
  // The inbox with at most `latest` newest messages per thread.
  virtual Result<HistoryInbox> inbox(core::UserId user, std::size_t latest) const = 0;
  // Messages of `thread` older than `before` (all when nullopt): the newest `limit` of them,
  // oldest first. Empty for a thread the user does not have.
  virtual Result<std::vector<HistoryMessage>> messages(core::UserId user, core::ThreadId thread,
                                                       std::optional<core::MessageId> before,
                                                       std::size_t limit) const = 0;
  // The applied updates themselves (full history, update by update): up to `max_count`
  // from `from` on, in seq order. What the convergence check compares with the queue.
  virtual Result<std::vector<core::Update>> updates(core::UserId user, core::Seq from,
                                                    std::size_t max_count) const = 0;

  virtual void set_unavailable(bool unavailable) = 0;
};

}  // namespace iris::store
