#pragma once
// The one result type of every part: a value or a std::error_code.
// Each part has its own `errc` enum and error category (see errc.h in the part);
// foreign error codes (Asio, RocksDB status) are converted at the part's boundary.

#include <system_error>
#include <tl/expected.hpp>

namespace iris {

template <typename T>
using Result = tl::expected<T, std::error_code>;

// Builds the error alternative of a Result from any error enum with make_error_code.
template <typename E>
tl::unexpected<std::error_code> fail(E e) {
  return tl::unexpected<std::error_code>(make_error_code(e));
}
inline tl::unexpected<std::error_code> fail(std::error_code ec) {
  return tl::unexpected<std::error_code>(ec);
}

}  // namespace iris
