#include "client/errc.h"

#include <string>

namespace iris::client {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iris.client"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::unreachable: return "server unreachable";
      case errc::bad_token: return "the server refused the token (bad or expired)";
      case errc::not_participant: return "not a participant of this thread";
      case errc::unknown_thread: return "no such thread";
      case errc::refused: return "the server refused the request";
      case errc::unavailable: return "the server is temporarily unavailable";
      case errc::protocol: return "the server broke the protocol";
      case errc::store: return "local store failure";
      case errc::timeout: return "timed out";
      case errc::stopped: return "client stopped";
      case errc::snapshot_unavailable: return "a snapshot is needed but none can be fetched";
      case errc::not_configured: return "not logged in (run `iris login`)";
      case errc::file: return "local file error";
    }
    return "unknown client error";
  }
};

}  // namespace

const std::error_category& error_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

}  // namespace iris::client
