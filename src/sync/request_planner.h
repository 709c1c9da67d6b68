#pragma once
// Turns a device's request into the durable append that carries it out (DESIGN.md "Send",
// and the thread operations): authorize against the sender's own inbox, check limits, and
// build one update per participant's queue, all in one atomic AppendRequest keyed by
// (sender, client id) so that a retry appends nothing. Pure: ids and time come in.
//
// Every participant gets the update, the sender too, so the sender's other devices see it.
// Participant changes go to the union of old and new participants: a removed user learns
// that it was removed.
//
// Membership rules (docs/PROTOCOL.md "Threads and membership"):
//  - A thread's owner is its first participant in join order: the creator, and once the
//    creator has left, whoever of those left joined first. The owner may remove anyone;
//    every participant may remove itself; nobody else removes anyone (errc::not_allowed).
//    Any participant may add users (who may add whom is the social graph's to decide).
//  - User ids 0 and 2^64-1 are never participants, and a list names each user once
//    (the creator may list itself: it is a participant anyway): errc::invalid_request.
//  - A read receipt is bounded by what the thread holds: `up_to` past the newest message
//    of the thread in the reader's inbox is errc::invalid_request.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "base/result.h"
#include "store/queue_store.h"
#include "sync/inbox.h"
#include "wire/messages.h"

namespace iris::sync {

struct RequestLimits {
  // Longest message body in bytes. Default 16 KiB; larger content belongs in media storage.
  std::size_t max_body_bytes = 16 * 1024;
  // Longest thread name in bytes. Default 256.
  std::size_t max_name_bytes = 256;
  // Most participants of a thread. Default 250: every send appends to each one's queue.
  std::size_t max_participants = 250;
  // How long after sending a message its sender may still edit or unsend it
  // (sync.edit_window). Default 15 min: long enough to fix a typo, short enough that a
  // conversation is not rewritten after it was answered. 0: never.
  std::chrono::milliseconds edit_window = std::chrono::minutes(15);
  // Longest reaction in bytes (sync.max_reaction_bytes, at most 255). Default 32: an emoji
  // sequence, not a message.
  std::size_t max_reaction_bytes = 32;
};

// Each returns the append to submit, or a sync::errc.
Result<store::AppendRequest> plan_send(const wire::SendRequest& req, core::UserId sender,
                                       const Inbox& sender_inbox, core::MessageId id,
                                       core::Timestamp now, const RequestLimits& limits);
Result<store::AppendRequest> plan_read(const wire::ReadRequest& req, core::UserId reader,
                                       const Inbox& reader_inbox, core::Timestamp now);
Result<store::AppendRequest> plan_create_thread(const wire::CreateThreadRequest& req,
                                                core::UserId creator, core::ThreadId id,
                                                core::Timestamp now, const RequestLimits& limits);
Result<store::AppendRequest> plan_rename(const wire::RenameThreadRequest& req, core::UserId who,
                                         const Inbox& inbox, core::Timestamp now,
                                         const RequestLimits& limits);
Result<store::AppendRequest> plan_change_participants(const wire::ChangeParticipantsRequest& req,
                                                      core::UserId who, const Inbox& inbox,
                                                      core::Timestamp now,
                                                      const RequestLimits& limits);

// Ids that grow with time, unique per shard: milliseconds since the Unix epoch in the high
// 42 bits, the shard in the next 10, a per-millisecond counter in the low 12. Message ids
// of one thread therefore order by time (which read watermarks rely on) within the clock
// skew between shards. Unique within one server only: a cell member uses CellIdGenerator.
class IdGenerator {
 public:
  explicit IdGenerator(std::uint32_t shard) : shard_(shard & 0x3FF) {}
  std::uint64_t next(core::Timestamp now);

 private:
  std::uint32_t shard_;
  std::uint64_t last_ms_ = 0;
  std::uint32_t counter_ = 0;
};

// Ids of a cell member, unique in the deployment: the same 42 bits of milliseconds, then the
// server's id slot (10 bits: a number no other live server of any cell holds, claimed in
// ZooKeeper for the session, docs/CLUSTER.md) and a per-millisecond counter (12 bits) that
// every shard of the server shares. Per-shard ids collide across servers: two servers'
// shard 0 in one millisecond made the same message id, and a thread with members on both
// showed one message in place of the other. Thread-safe (one atomic).
class CellIdGenerator {
 public:
  static constexpr std::uint32_t kSlots = 1024;
  // Requires: slot < kSlots.
  std::uint64_t next(core::Timestamp now, std::uint32_t slot);

 private:
  std::atomic<std::uint64_t> last_{0};  // ms << 12 | counter of the last id made
};

}  // namespace iris::sync
