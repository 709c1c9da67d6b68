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
      case errc::verification_rate_limited: return "too many codes sent for this user or number; try later";
      case errc::too_many_pending: return "too many numbers waiting for their codes";
      case errc::verification_busy: return "too many codes pending; try later";
      case errc::no_code: return "no code pending for this number (ask for one)";
      case errc::wrong_code: return "wrong code";
      case errc::too_many_attempts: return "wrong code, and no attempts left (ask for a new one)";
      case errc::verification_off: return "number verification is not enabled";
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
