#pragma once
// Turns a device's request into the durable append that carries it out (DESIGN.md "Send",
// and the thread operations): authorize against the sender's own inbox, check limits, and
// build one update per participant's queue, all in one atomic AppendRequest keyed by
// (sender, client id) so that a retry appends nothing. Pure: ids and time come in.
//
// Every participant gets the update, the sender too, so the sender's other devices see it.
// Participant changes go to the union of old and new participants: a removed user learns
// that it was removed.

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
// skew between shards.
class IdGenerator {
 public:
  explicit IdGenerator(std::uint32_t shard) : shard_(shard & 0x3FF) {}
  std::uint64_t next(core::Timestamp now);

 private:
  std::uint32_t shard_;
  std::uint64_t last_ms_ = 0;
  std::uint32_t counter_ = 0;
};

}  // namespace iris::sync
