#pragma once
// SHA-256 of a few pieces of text, for the ids mail derives from addresses and Message-IDs
// (address.h, mail_thread.h): stable across servers and restarts, and not steerable by a
// sender into another address's id.

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace iris::mail::detail {

// SHA-256 of the pieces, each preceded by its length (so ("ab","c") and ("a","bc") differ).
std::array<std::uint8_t, 32> digest(std::initializer_list<std::string_view> pieces);

// The first 8 bytes of `d`, big-endian.
std::uint64_t first64(const std::array<std::uint8_t, 32>& d, std::size_t offset = 0);

}  // namespace iris::mail::detail
