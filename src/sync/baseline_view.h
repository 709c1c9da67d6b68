#pragma once
// The legacy pull baseline of the bandwidth benchmark (issue 8; docs/BENCHMARKS.md
// "bandwidth"). NOT part of the Iris protocol: it is the measuring stick Iris is compared
// against, built the way the old protocol worked and as well as that kind of API is built.
//
//   1. Server -> device, for every update appended to the user's queue: MQTT PUBLISH QoS 1 on
//      u/<user>/notify, payload baseline_notify(): {"thread":"<id>","actor":"<id>"}, "this
//      conversation changed" and nothing else. Sent only while someone subscribes to it.
//   2. Device -> server: GET /v1/baseline/threads/<id> over HTTPS with the bearer token; the
//      answer, baseline_thread_view(), is the conversation as the user sees it now, in JSON
//      (the protocol's JSON mapping of a Snapshot holding that one thread: name,
//      participants, the newest messages, read watermarks, unread count), gzip-compressed
//      when the request says Accept-Encoding: gzip.
//
// Pure: built from the user's Inbox on its owner shard.

#include <cstddef>
#include <string>

#include "base/result.h"
#include "core/ids.h"
#include "sync/inbox.h"

namespace iris::sync {

// Messages in a baseline conversation view: what one screen of a conversation shows.
inline constexpr std::size_t kBaselineViewMessages = 20;

std::string baseline_notify(core::ThreadId thread, core::UserId actor);

// The view of `thread` in `inbox` (whose owner is the viewer), exact at the inbox's seq.
// errc::unknown_thread when the inbox has no such thread, errc::not_participant when the
// owner is not (or no longer) a participant.
Result<std::string> baseline_thread_view(const Inbox& inbox, core::UserId owner,
                                         core::Epoch epoch, core::ThreadId thread,
                                         std::size_t latest = kBaselineViewMessages);

}  // namespace iris::sync
