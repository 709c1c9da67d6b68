#include "sms/errc.h"

#include <string>

namespace iris::sms {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iris.sms"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::bad_form: return "not the SMS webhook's form";
      case errc::bad_number: return "not an E.164 phone number";
    }
    return "unknown sms error";
  }
};

}  // namespace

const std::error_category& category() {
  static const Category c;
  return c;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

}  // namespace iris::sms
