#include "store/blob/blob_errc.h"

#include <string>

namespace iris::store {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "iris.blob"; }
  std::string message(int value) const override {
    switch (static_cast<blob_errc>(value)) {
      case blob_errc::not_found: return "no such blob";
      case blob_errc::too_large: return "blob over blobs.max_bytes";
      case blob_errc::unsupported_type: return "content type not in blobs.allowed_types";
      case blob_errc::busy: return "too many uploads running (blobs.max_concurrent_uploads)";
      case blob_errc::bad_range: return "range outside the blob";
      case blob_errc::io_error: return "blob storage I/O error";
      case blob_errc::bad_reference: return "attachment does not match an upload of its sender";
    }
    return "unknown blob error";
  }
};

}  // namespace

const std::error_category& blob_error_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(blob_errc e) { return {static_cast<int>(e), blob_error_category()}; }

}  // namespace iris::store
