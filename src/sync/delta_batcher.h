#pragma once
// Cuts a catch-up range into delta batches (DESIGN.md steps 4-5).
//
// The batches cover the range wholly and contiguously: the first starts at the range's
// first seq, each next one at the previous last_seq + 1, the last ends at the range's last
// seq, even when folding left no update in some stretch. So a device that applies every
// batch in order holds the whole range, and its gap check (first_seq == its seq + 1) holds
// across batches. Every update is one logical operation today, so any update boundary is a
// valid cut; an operation spanning several updates would have to be kept in one batch here.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/update.h"
#include "wire/messages.h"

namespace iris::sync {

struct BatchLimits {
  // Most updates per batch. Default 256: a device applies a batch in one transaction, so
  // this bounds its work per step; larger batches cost fewer round trips.
  std::size_t max_updates = 256;
  // Soft cap on a batch's encoded size, estimated from text lengths. Default 64 KiB: well
  // under the MQTT maximum packet size (256 KiB) a device accepts by default. A single
  // update larger than this still travels alone.
  std::size_t max_bytes = 64 * 1024;
};

// Requires: `updates` in seq order, each seq within [first, last]; first <= last.
std::vector<wire::DeltaBatch> make_batches(core::Epoch epoch, core::Seq first, core::Seq last,
                                           std::vector<core::Update> updates, bool folded,
                                           const BatchLimits& limits);

// Compatibility rule 4 (docs/PROTOCOL.md): removes the updates of kinds a peer of protocol
// `version` cannot decode (ReactionChanged before 5; ContactChanged, FolderChanged and
// SettingsChanged before 6); the batch then goes folded, still
// covering their seqs. True if any was removed.
bool drop_kinds_newer_than(std::vector<core::Update>& updates, std::int32_t version);

// Rough upper bound of an update's encoded size in bytes, for the byte cap.
std::size_t estimated_size(const core::Update& update);

}  // namespace iris::sync
