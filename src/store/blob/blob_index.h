#pragma once
// BlobIndex: who uploaded each blob and which threads reference it, in one SQLite database
// (default <data_dir>/blobs/index.sqlite). Downloads are authorized from it, sends with
// attachments are checked against it, and the sweep finds unreferenced blobs in it.
//
// Schema (docs/STORAGE_FORMAT.md "Blobs"):
//   blobs(id BLOB 32 bytes PK, size, type, last_upload_ms)   one row per stored blob
//   uploads(id, user PK(id, user), type)                     who uploaded it, as which type
//   refs(id, thread, message PK(id, thread, message))        messages citing it (message 0:
//                                                            recorded by version 0, per thread)
// `PRAGMA user_version` 1; version 0 (refs without message) is migrated on open, a newer
// version is refused.
// Writes are synchronous (synchronous=FULL): a reference is on disk before the send that
// made it is acknowledged, so a sweep after a crash never removes a referenced blob.
//
// Not thread-safe: BlobService serializes every call.

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/attachment.h"
#include "core/ids.h"
#include "sqlite/database.h"

namespace iris::store {

struct BlobUploadRow {
  std::uint64_t size = 0;
  std::string type;
};

struct BlobAccessRow {
  std::uint64_t size = 0;
  std::string type;             // of the first upload
  bool uploaded_by_user = false;
  std::vector<core::ThreadId> threads;  // referencing it
};

class BlobIndex {
 public:
  static Result<BlobIndex> open(const std::string& path);

  Result<void> record_upload(const core::BlobId& id, std::uint64_t size, const std::string& type,
                             core::UserId user, core::Timestamp now);
  // The upload of `id` by `user`, if there was one.
  Result<std::optional<BlobUploadRow>> upload_of(const core::BlobId& id, core::UserId user);
  Result<void> add_ref(const core::BlobId& id, core::ThreadId thread, core::MessageId message);
  // Drops every reference made by (thread, message): it was unsent.
  Result<void> release(core::ThreadId thread, core::MessageId message);
  // nullopt: no such blob.
  Result<std::optional<BlobAccessRow>> access(const core::BlobId& id, core::UserId user);
  // Blobs with no reference whose last upload is before `cutoff`, at most `limit`.
  Result<std::vector<core::BlobId>> unreferenced_before(core::Timestamp cutoff, std::size_t limit);
  // Drops every row of `id`.
  Result<void> forget(const core::BlobId& id);
  // Whether `id` has no reference and was last uploaded before `cutoff`.
  Result<bool> sweepable(const core::BlobId& id, core::Timestamp cutoff);

 private:
  explicit BlobIndex(sqlite::Database db) : db_(std::move(db)) {}
  sqlite::Database db_;
};

}  // namespace iris::store
