#pragma once
// FsBlobStore: the embedded BlobStore, files in one directory (default <data_dir>/blobs).
//
// Layout (docs/STORAGE_FORMAT.md "Blobs"):
//   <dir>/<h0h1>/<64 hex digits>   a blob: its bytes as uploaded; the name is their SHA-256,
//                                  under a directory named for its first byte (256 at most)
//   <dir>/tmp/<n>.part             an upload in progress; whatever is left there at open()
//                                  is from a crash and is removed
// A blob is written to tmp/, fdatasynced, renamed into place and the directory fsynced, so a
// blob file is either complete and named for its content or absent. Files are created 0600
// and directories 0700, as the rest of the data dir.

#include <atomic>
#include <memory>
#include <string>

#include "store/blob/blob_store.h"

namespace iris::store {

class FsBlobStore final : public BlobStore {
 public:
  // Creates `dir` (and tmp/) when missing and clears tmp/. blob_errc::io_error when it cannot.
  static Result<std::unique_ptr<FsBlobStore>> open(const std::string& dir);

  Result<std::unique_ptr<BlobWriter>> put() override;
  Result<std::unique_ptr<BlobReader>> get(const core::BlobId& id, ByteRange range) const override;
  Result<BlobStat> stat(const core::BlobId& id) const override;
  Result<void> remove(const core::BlobId& id) override;
  Result<void> for_each(const std::function<void(const core::BlobId&, const BlobStat&)>& fn) const override;

  // Where the blob `id` lives (whether or not it exists).
  std::string path_of(const core::BlobId& id) const;

 private:
  explicit FsBlobStore(std::string dir) : dir_(std::move(dir)) {}
  const std::string dir_;
  std::atomic<std::uint64_t> next_temp_{0};
};

}  // namespace iris::store
