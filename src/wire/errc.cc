#include "wire/errc.h"

#include <string>

namespace iris::wire {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iris.wire"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::truncated: return "payload is truncated";
      case errc::malformed: return "payload is malformed";
      case errc::too_large: return "payload or one of its values is over the size limit";
      case errc::unknown_kind: return "payload holds a message or update kind this version does not know";
      case errc::invalid_utf8: return "string is not valid UTF-8";
      case errc::invalid_message: return "payload breaks a protocol rule";
    }
    return "unknown wire error";
  }
};

}  // namespace

const std::error_category& error_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

}  // namespace iris::wire
