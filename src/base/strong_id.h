#pragma once
// StrongId<Tag, T>: a distinct type per kind of id or counter, so a UserId can never be
// passed where a Seq is expected. Ordered, hashable, printable through value().

#include <compare>
#include <cstddef>
#include <functional>

namespace iris {

template <typename Tag, typename T>
class StrongId {
 public:
  using value_type = T;
  constexpr StrongId() = default;
  constexpr explicit StrongId(T v) : value_(v) {}
  constexpr const T& value() const { return value_; }
  constexpr auto operator<=>(const StrongId&) const = default;

 private:
  T value_{};
};

}  // namespace iris

template <typename Tag, typename T>
struct std::hash<iris::StrongId<Tag, T>> {
  std::size_t operator()(const iris::StrongId<Tag, T>& id) const noexcept {
    return std::hash<T>{}(id.value());
  }
};
