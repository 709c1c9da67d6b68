#include "store/errc.h"

#include <string>

namespace iris::store {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iris.store"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::io_error: return "storage I/O error";
      case errc::corrupt_record: return "corrupt record in the store";
      case errc::store_failed: return "store refuses writes until it recovers from a failed write";
      case errc::overloaded: return "too many operations pending in the store";
      case errc::closed: return "store is closed";
      case errc::open_failed: return "store could not be opened";
      case errc::invalid_request: return "invalid store request";
      case errc::unavailable: return "store is unavailable (database down, read-only or failing); retry";
      case errc::not_owner: return "another server owns the user now (ownership fencing); retry";
    }
    return "unknown store error";
  }
};

}  // namespace

const std::error_category& error_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

}  // namespace iris::store
