#include "mail/errc.h"

#include <string>

namespace iris::mail {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iris.mail"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::bad_address: return "not a mailbox address";
      case errc::unknown_recipient: return "no such user here";
      case errc::too_large: return "message over mail.max_message_bytes";
      case errc::too_many_parts: return "message with more MIME parts than mail.max_parts";
      case errc::malformed: return "message not readable as MIME";
      case errc::no_sender: return "message without a sender address";
    }
    return "unknown mail error";
  }
};

}  // namespace

const std::error_category& mail_error_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), mail_error_category()}; }

}  // namespace iris::mail
