#include "client/sync_machine.h"

#include <fmt/format.h>

namespace iris::client {

bool is_retryable(wire::ErrorCode code) {
  switch (code) {
    case wire::ErrorCode::rate_limited:
    case wire::ErrorCode::unavailable:
    case wire::ErrorCode::internal:
      return true;
    case wire::ErrorCode::not_participant:
    case wire::ErrorCode::too_large:
    case wire::ErrorCode::bad_encoding:
    case wire::ErrorCode::unknown_thread:
    case wire::ErrorCode::invalid_request:
    case wire::ErrorCode::queue_full:  // until that queue is trimmed: days, not seconds
    case wire::ErrorCode::forbidden:
    case wire::ErrorCode::too_late:
    case wire::ErrorCode::unknown_message:
    case wire::ErrorCode::not_accepted:
      return false;
  }
  return false;
}

void SyncMachine::on_connected() {
  head_.reset();
  behind_at_last_heartbeat_ = false;
}

Decision SyncMachine::on_delta(const wire::Message& message, Position have) {
  if (const auto* b = std::get_if<wire::DeltaBatch>(&message)) return on_batch(*b, have);
  if (const auto* hb = std::get_if<wire::Heartbeat>(&message)) return on_heartbeat(*hb, have);
  // The badge travels on the deltas topic but says nothing about the stream's position.
  if (std::holds_alternative<wire::Badge>(message)) return decision::Ignore{};
  if (const auto* r = std::get_if<wire::Resync>(&message)) {
    head_ = r->head;
    if (r->reason == wire::ResyncReason::temporary)
      return decision::ResumeLater{r->retry_after.value_or(std::chrono::milliseconds{1000})};
    if (r->thread) return decision::RefetchThread{*r->thread};
    return decision::Snapshot{*r};
  }
  return decision::Reconnect{"unexpected message on the deltas topic"};
}

Decision SyncMachine::on_batch(const wire::DeltaBatch& b, Position have) {
  behind_at_last_heartbeat_ = false;
  const bool fresh = have.epoch == core::Epoch{0} && have.seq == core::Seq{0};
  if (!fresh && b.epoch != have.epoch)
    return decision::Reconnect{fmt::format("batch of epoch {}, we hold epoch {}", b.epoch.value(),
                                           have.epoch.value())};
  if (b.last_seq <= have.seq) return decision::Ignore{};
  if (b.first_seq != core::next(have.seq))
    return decision::Reconnect{fmt::format("gap: batch {}..{} after seq {}", b.first_seq.value(),
                                           b.last_seq.value(), have.seq.value())};
  // The head is at least what arrives: the server sends no heartbeat to a device that holds
  // the head, so the last one may be older than the stream.
  if (head_ && b.last_seq > *head_) head_ = b.last_seq;
  return decision::Apply{};
}

Decision SyncMachine::on_heartbeat(const wire::Heartbeat& hb, Position have) {
  if (have.epoch != core::Epoch{0} && hb.epoch != have.epoch)
    return decision::Reconnect{"heartbeat names another epoch"};
  head_ = hb.head;
  if (hb.head <= have.seq) {
    behind_at_last_heartbeat_ = false;
    return decision::UpToDate{};
  }
  if (behind_at_last_heartbeat_) return decision::Reconnect{"stalled: head moved, no delta came"};
  behind_at_last_heartbeat_ = true;
  return decision::Ignore{};
}

}  // namespace iris::client
