#pragma once
// Sends across servers (docs/CLUSTER.md): which share of a planned append this server makes
// durable itself, and how the other servers' share is keyed. Pure.
//
// Only a user's owner assigns its seqs. A request planned for every participant
// (request_planner.h) is split by owner: the entries of users this server owns stay in the
// append; the others become the append's FanoutNote, recorded in the same commit, and are
// appended later by their owners (the link, fanout_frame.h), each under fanout_key so that a
// re-send after either side's death appends nothing twice.

#include <functional>

#include "core/idempotency.h"
#include "core/ids.h"
#include "store/queue_store.h"

namespace iris::sync {

// Whether this server owns `user` now. Thread-safe.
using OwnsUser = std::function<bool(core::UserId)>;

// Moves the entries of users `owns` denies out of `request` into its FanoutNote (each user
// once, in entry order), with `sender` as the note's sender. The sender's entries always stay
// (the caller owns the sender). Nothing changes when every entry is owned here. Requires:
// `sender` is among the entries.
void split_by_owner(store::AppendRequest& request, core::UserId sender, const OwnsUser& owns);

// The idempotency key of the append of `sender`'s update at `seq` (its seq in the sender's
// queue) to `recipient`'s queue by the recipient's owner. Distinct for every (sender, seq,
// recipient): its client id is (seq ^ K1, recipient ^ K2), a bijection of the pair, so it can
// only collide with a client id the sender's own device chose with those exact 128 bits.
// Keyed by the sender's seq rather than the request's client id: a retried request maps to
// the same seq (the store answers it from the sender's idempotency record), and read
// receipts, which have no client id, are keyed too.
core::IdempotencyKey fanout_key(core::UserId sender, core::Seq seq, core::UserId recipient);

}  // namespace iris::sync
