#pragma once
// BlobService: attachments' blobs as the rest of the server sees them: the bytes (a
// BlobStore) and who may see them (the BlobIndex), kept consistent under one mutex.
//
//  - Upload: begin_upload() checks the content type and takes one of
//    blobs.max_concurrent_uploads slots; Upload::write() streams bytes to the store,
//    refusing past blobs.max_bytes; finish() names the bytes and records the upload.
//  - Send: reference() checks each attachment against an upload of its sender (size and
//    type as uploaded) and records the thread and message; sync/ calls it before the message
//    is appended, so a message in a queue never cites a blob the sweep could remove.
//  - Unsend: release() drops the message's references once the unsend is committed, so the
//    blob stops being served for it and the sweep may take it when nothing else cites it.
//  - Download: access() says who may read a blob (its uploaders, the participants of the
//    threads that reference it: net/ asks the user's owner shard for membership).
//  - Sweep: blobs with no reference, last uploaded more than blobs.retention ago, leave the
//    index and then the store. A blob's commit-and-record and its forget-and-remove run
//    under the same lock, so an upload of the same bytes racing the sweep is never left
//    with a row and no file.
//
// Thread-safety: every method may be called from any thread (shards, the sweeper); the
// index calls are short (one SQLite statement or transaction). An Upload is used by one thread
// at a time and must not outlive the service.

#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "core/attachment.h"
#include "core/ids.h"
#include "store/blob/blob_index.h"
#include "store/blob/blob_options.h"
#include "store/blob/blob_store.h"

namespace iris::store {

struct UploadedBlob {
  core::BlobId id;
  std::uint64_t size = 0;
  std::string type;
  bool fresh = true;  // false: the same bytes were stored already (deduplicated)
};

struct BlobAccess {
  std::uint64_t size = 0;
  std::string type;
  bool uploaded_by_user = false;
  std::vector<core::ThreadId> threads;  // the user may read it if a participant of any
};

struct BlobStats {
  std::uint64_t uploads = 0;
  std::uint64_t upload_bytes = 0;
  std::uint64_t deduplicated = 0;
  std::uint64_t swept = 0;
};

class BlobService {
 public:
  // `options` must outlive the service. Opens the index at `index_path`.
  static Result<std::unique_ptr<BlobService>> open(const BlobOptions& options,
                                                   std::unique_ptr<BlobStore> store,
                                                   const std::string& index_path);

  const BlobOptions& options() const { return options_; }

  // The media type of a Content-Type value, lowercased, parameters and spaces dropped
  // ("Image/PNG; q=1" -> "image/png"); empty when it is not type/subtype.
  static std::string media_type(std::string_view content_type);
  // Whether `media_type` (already normalized) is in blobs.allowed_types.
  bool allowed(std::string_view media_type) const;

  class Upload {
   public:
    ~Upload();
    Upload(const Upload&) = delete;
    Upload& operator=(const Upload&) = delete;
    // blob_errc::too_large once the upload passes blobs.max_bytes (nothing more is written).
    Result<void> write(std::string_view bytes);
    Result<UploadedBlob> finish(core::Timestamp now);
    std::uint64_t size() const { return writer_->size(); }

   private:
    friend class BlobService;
    Upload(BlobService& service, std::unique_ptr<BlobWriter> writer, core::UserId user, std::string type)
        : service_(service), writer_(std::move(writer)), user_(user), type_(std::move(type)) {}
    BlobService& service_;
    std::unique_ptr<BlobWriter> writer_;
    core::UserId user_;
    std::string type_;
  };

  // `content_type` as the request gave it. blob_errc::unsupported_type, too_large (when
  // `declared` is over blobs.max_bytes), busy.
  Result<std::unique_ptr<Upload>> begin_upload(core::UserId user, std::string_view content_type,
                                               std::optional<std::uint64_t> declared);

  // blob_errc::not_found when there is no such blob.
  Result<BlobAccess> access(core::UserId user, const core::BlobId& id);
  Result<std::unique_ptr<BlobReader>> read(const core::BlobId& id, ByteRange range) const;

  // Checks every attachment (uploaded by `sender`, size and type as uploaded; name and count
  // within bounds) and records that `message` of `thread` references it.
  // blob_errc::bad_reference. `message` 0: a reference no release() lets go of.
  Result<void> reference(core::UserId sender, core::ThreadId thread,
                         std::span<const core::Attachment> attachments,
                         core::MessageId message = core::MessageId{0});
  // The references `message` of `thread` made stop counting (it was unsent, or its send was a
  // retry that appended nothing): a blob nothing else references becomes the sweep's after
  // its retention, and participants of `thread` can no longer download it because of it.
  // Releasing what holds no reference succeeds.
  Result<void> release(core::ThreadId thread, core::MessageId message);

  // Removes up to `limit` blobs unreferenced since before now - blobs.retention.
  Result<std::size_t> sweep(core::Timestamp now, std::size_t limit);

  BlobStats stats() const;

 private:
  BlobService(const BlobOptions& options, std::unique_ptr<BlobStore> store, BlobIndex index)
      : options_(options), store_(std::move(store)), index_(std::move(index)) {}

  const BlobOptions& options_;
  std::unique_ptr<BlobStore> store_;
  mutable std::mutex mutex_;
  BlobIndex index_;  // GUARDED_BY(mutex_)
  std::atomic<std::size_t> uploading_{0};
  std::atomic<std::uint64_t> uploads_{0}, upload_bytes_{0}, deduplicated_{0}, swept_{0};
};

}  // namespace iris::store
