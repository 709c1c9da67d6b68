#include "cluster/errc.h"

#include <string>

namespace iris::cluster {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iris.cluster"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::name_conflict: return "another live server uses this name with other tokens or address";
      case errc::invalid_member: return "malformed member description";
      case errc::stale_event: return "membership event older than the table";
      case errc::coordinator_unavailable: return "coordination service unavailable";
    }
    return "unknown cluster error";
  }
};

}  // namespace

const std::error_category& error_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

}  // namespace iris::cluster
