#pragma once
// The MQTT topic layout of Iris (docs/PROTOCOL.md "Topics"), in one place for the server
// (net/), the C++ SDK (client/) and the load programs (apps/iris-bench):
//
//   u/<user>/sync        device -> server: requests (Envelope)
//   u/<user>/deltas      server -> device: delta batches, resyncs, heartbeats
//   u/<user>/responses   server -> device: the result of each request
//   u/<user>/trace       server -> followers: each append, one JSON delta batch (debugging)
//   u/<user>/notify      server -> followers: "this thread changed", the bandwidth
//                        benchmark's legacy pull baseline (sync/baseline_view.h)
//   t/<thread>/typing    participants <-> participants: the typing signal (compact)
//   t/<thread>/typing/json   server -> participants: its JSON twin
//
// <user> and <thread> are canonical decimal ids (core::parse_id). The parsers below only cut
// the level out; whether it is a valid id is the caller's check, as it is for a user name.

#include <optional>
#include <string>
#include <string_view>

#include "core/ids.h"

namespace iris::wire {

// The first level of the user space and of the thread space.
inline constexpr std::string_view kUserRoot = "u";
inline constexpr std::string_view kThreadRoot = "t";
// The one thread topic a participant may publish on (its last level).
inline constexpr std::string_view kTypingLeaf = "typing";

// The topics under u/<user>/.
enum class UserTopic : std::uint8_t { sync, deltas, responses, trace, notify };

// The last level of `topic` ("sync", "deltas", ...).
std::string_view leaf_name(UserTopic topic);

// u/<user>/<leaf>, for a user given as its id or as its canonical decimal text (a user
// name, as the broker authenticated it).
std::string user_topic(core::UserId user, UserTopic leaf);
std::string user_topic(std::string_view user, UserTopic leaf);
// t/<thread>/typing and its JSON twin t/<thread>/typing/json.
std::string typing_topic(core::ThreadId thread);
std::string typing_json_topic(core::ThreadId thread);
// t/<thread>: the root every topic of the thread is under (filters that start with it).
std::string thread_root(core::ThreadId thread);

// The <user> level of a u/<user>/<leaf> topic, when `topic` is exactly that (one level
// between, not empty).
std::optional<std::string_view> user_of_topic(std::string_view topic, UserTopic leaf);
// The <thread> level of t/<thread>/typing, when `topic` is exactly that (not the JSON twin).
std::optional<std::string_view> thread_of_typing_topic(std::string_view topic);

}  // namespace iris::wire
