#include "dbpair/errc.h"

#include <string>

namespace iris::dbpair {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iris.dbpair"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::connect_failed: return "database server unreachable";
      case errc::query_failed: return "statement failed on the database server";
      case errc::bad_value: return "malformed GTID position or server address";
      case errc::no_candidate: return "no server of the pair can be promoted";
      case errc::not_caught_up: return "replica did not apply its relay log in time";
      case errc::primary_alive: return "the replica still receives from the primary";
      case errc::diverged: return "the server's binlog has transactions the primary lacks";
    }
    return "unknown dbpair error";
  }
};

}  // namespace

const std::error_category& error_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

}  // namespace iris::dbpair
