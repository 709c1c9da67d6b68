#pragma once
// The ids and counters of the model. Each is its own type (base/strong_id.h) so that a
// user id can never be passed as a seq; conversions to integers happen only in codecs.

#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/strong_id.h"

namespace iris::core {

using UserId = StrongId<struct UserIdTag, std::uint64_t>;
using ThreadId = StrongId<struct ThreadIdTag, std::uint64_t>;
using MessageId = StrongId<struct MessageIdTag, std::uint64_t>;
// A device is named by its MQTT client id.
using DeviceId = StrongId<struct DeviceIdTag, std::string>;
// Position in one user's queue: 1, 2, 3 ... with no gaps. Seq{0} means "before the first".
using Seq = StrongId<struct SeqTag, std::uint64_t>;
// A queue's incarnation: random, never 0 for an existing queue. A new epoch means every
// device must resync.
using Epoch = StrongId<struct EpochTag, std::uint64_t>;

// Wall-clock time of an update, in milliseconds since the Unix epoch. Core never reads a
// clock: times come in with the commands.
using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

inline Seq next(Seq s) { return Seq{s.value() + 1}; }

// The one parser of an id written as text (an MQTT user name or topic level, a URL segment, a
// token's user, a CLI argument): decimal digits only, no sign, no leading zero ("0" itself is
// fine), at most 2^64-1. So each id has exactly one spelling, and a user name compared or
// hashed as text (shard routing, token binding) names one user. nullopt for anything else.
std::optional<std::uint64_t> parse_id(std::string_view text);

// 128-bit id a client generates for each send; with the sender it makes a send idempotent.
struct ClientMsgId {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  auto operator<=>(const ClientMsgId&) const = default;

  // 32 lowercase hex digits, hi first.
  std::string to_hex() const;
  // Accepts exactly 32 hex digits (either case); anything else is nullopt.
  static std::optional<ClientMsgId> from_hex(std::string_view hex);
};

}  // namespace iris::core

template <>
struct std::hash<iris::core::ClientMsgId> {
  std::size_t operator()(const iris::core::ClientMsgId& id) const noexcept {
    return std::hash<std::uint64_t>{}(id.hi * 0x9E3779B97F4A7C15ull ^ id.lo);
  }
};
