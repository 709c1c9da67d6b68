#include "sync/delta_batcher.h"

#include "base/assert.h"

namespace iris::sync {

std::size_t estimated_size(const core::Update& u) {
  // Fixed fields (seq, time, thread, actor, kind, ids) take at most ~48 bytes compact.
  std::size_t n = 48;
  std::visit(
      [&n](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, core::MessageCreated> || std::is_same_v<T, core::MessageEdited>) {
          n += b.text.size();
        } else if constexpr (std::is_same_v<T, core::ThreadCreated>) {
          n += b.name.size() + 10 * b.participants.size();
        } else if constexpr (std::is_same_v<T, core::ParticipantsChanged>) {
          n += 10 * (b.added.size() + b.removed.size());
        } else if constexpr (std::is_same_v<T, core::ThreadRenamed>) {
          n += b.name.size();
        } else if constexpr (std::is_same_v<T, core::ReactionChanged>) {
          n += b.reaction.size();
        }
      },
      u.body);
  return n;
}

bool drop_kinds_newer_than(std::vector<core::Update>& updates, std::int32_t version) {
  if (version >= 6) return false;
  return std::erase_if(updates, [version](const core::Update& u) {
           const auto kind = core::kind_of(u.body);
           return core::is_social(kind) || (version < 5 && kind == core::UpdateKind::reaction_changed);
         }) != 0;
}

std::vector<wire::DeltaBatch> make_batches(core::Epoch epoch, core::Seq first, core::Seq last,
                                           std::vector<core::Update> updates, bool folded,
                                           const BatchLimits& limits) {
  IRIS_ASSERT(first <= last, "a batch range is never empty");
  std::vector<wire::DeltaBatch> out;
  wire::DeltaBatch batch{epoch, first, first, {}, folded};
  std::size_t bytes = 0;
  for (auto& u : updates) {
    const std::size_t size = estimated_size(u);
    if (!batch.updates.empty() &&
        (batch.updates.size() >= limits.max_updates || bytes + size > limits.max_bytes)) {
      batch.last_seq = batch.updates.back().seq;
      const core::Seq next_first = core::next(batch.last_seq);
      out.push_back(std::move(batch));
      batch = wire::DeltaBatch{epoch, next_first, next_first, {}, folded};
      bytes = 0;
    }
    bytes += size;
    batch.updates.push_back(std::move(u));
  }
  batch.last_seq = last;
  out.push_back(std::move(batch));
  return out;
}

}  // namespace iris::sync
