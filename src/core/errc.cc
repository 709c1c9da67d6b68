#include "core/errc.h"

#include <string>

namespace iris::core {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iris.core"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::queue_full: return "queue is at its maximum length";
      case errc::cursor_beyond_head: return "cursor cannot move past the queue head";
      case errc::trim_past_storage_cursor:
        return "trim would drop updates the storage cursor has not passed";
      case errc::trimmed: return "updates before the first retained seq were trimmed";
      case errc::invalid_name: return "invalid cursor or device name";
      case errc::share_full: return "the sender's share of a recipient's queue is used up";
    }
    return "unknown core error";
  }
};

}  // namespace

const std::error_category& error_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

}  // namespace iris::core
