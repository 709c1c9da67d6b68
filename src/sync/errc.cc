#include "sync/errc.h"

#include <string>

namespace iris::sync {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iris.sync"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::not_participant: return "sender is not a participant of the thread";
      case errc::unknown_thread: return "unknown thread";
      case errc::too_large: return "request exceeds a configured size limit";
      case errc::invalid_request: return "invalid request";
      case errc::not_allowed: return "not allowed: only the thread's owner removes others, only the sender edits or unsends";
      case errc::rate_limited: return "too many requests: retry after the given time";
      case errc::unknown_message: return "no such message in the thread";
      case errc::too_late: return "past the edit window: the message can no longer be edited or unsent";
      case errc::not_owner: return "a recipient of the fan-out is not owned by this server";
      case errc::bad_frame: return "malformed cell link frame";
      case errc::unknown_frame_version: return "cell link frame of an unknown version";
      case errc::not_accepted: return "not accepted by a recipient";
    }
    return "unknown sync error";
  }
};

}  // namespace

const std::error_category& error_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

}  // namespace iris::sync
