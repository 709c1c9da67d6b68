#include "store/blob/blob_service.h"

#include <algorithm>
#include <cctype>

#include "base/log.h"
#include "store/blob/blob_errc.h"

namespace iris::store {

Result<std::unique_ptr<BlobService>> BlobService::open(const BlobOptions& options,
                                                       std::unique_ptr<BlobStore> store,
                                                       const std::string& index_path) {
  auto index = BlobIndex::open(index_path);
  if (!index) return fail(index.error());
  return std::unique_ptr<BlobService>(new BlobService(options, std::move(store), std::move(*index)));
}

std::string BlobService::media_type(std::string_view content_type) {
  const auto semi = content_type.find(';');
  std::string_view t = content_type.substr(0, semi);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  const auto slash = t.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == t.size() ||
      t.find('/', slash + 1) != std::string_view::npos || t.size() > 127) {
    return {};
  }
  std::string out;
  out.reserve(t.size());
  for (const char c : t) {
    const auto u = static_cast<unsigned char>(c);
    // RFC 9110 §5.6.2 token characters (and the one '/').
    if (!(std::isalnum(u) || std::string_view("!#$%&'*+-.^_`|~/").find(c) != std::string_view::npos)) return {};
    out.push_back(static_cast<char>(std::tolower(u)));
  }
  return out;
}

bool BlobService::allowed(std::string_view type) const {
  if (type.empty()) return false;
  const auto top = type.substr(0, type.find('/'));
  return std::any_of(options_.allowed_types.begin(), options_.allowed_types.end(), [&](const std::string& a) {
    if (a.size() == top.size() + 2 && a.ends_with("/*")) return std::string_view(a).substr(0, top.size()) == top;
    return a == type;
  });
}

Result<std::unique_ptr<BlobService::Upload>> BlobService::begin_upload(core::UserId user,
                                                                       std::string_view content_type,
                                                                       std::optional<std::uint64_t> declared) {
  std::string type = media_type(content_type);
  if (!allowed(type)) return fail(blob_errc::unsupported_type);
  if (declared && *declared > options_.max_bytes) return fail(blob_errc::too_large);
  if (uploading_.fetch_add(1) >= options_.max_concurrent_uploads) {
    --uploading_;
    return fail(blob_errc::busy);
  }
  auto writer = store_->put();
  if (!writer) {
    --uploading_;
    return fail(writer.error());
  }
  return std::unique_ptr<Upload>(new Upload(*this, std::move(*writer), user, std::move(type)));
}

BlobService::Upload::~Upload() { --service_.uploading_; }

Result<void> BlobService::Upload::write(std::string_view bytes) {
  if (bytes.size() > service_.options_.max_bytes - writer_->size()) return fail(blob_errc::too_large);
  return writer_->write(bytes);
}

Result<UploadedBlob> BlobService::Upload::finish(core::Timestamp now) {
  // The bytes are synced first, outside the lock: that is most of an upload's time, and
  // uploads on other threads sync theirs meanwhile. Naming them and recording the upload
  // happen under the service's lock so a sweep of the same bytes cannot fall in between.
  if (auto r = writer_->sync(); !r) return fail(r.error());
  std::lock_guard lock(service_.mutex_);
  auto done = writer_->commit();
  if (!done) return fail(done.error());
  if (auto r = service_.index_.record_upload(done->id, done->size, type_, user_, now); !r) return fail(r.error());
  ++service_.uploads_;
  service_.upload_bytes_ += done->size;
  if (!done->fresh) ++service_.deduplicated_;
  return UploadedBlob{done->id, done->size, type_, done->fresh};
}

Result<BlobAccess> BlobService::access(core::UserId user, const core::BlobId& id) {
  std::lock_guard lock(mutex_);
  auto row = index_.access(id, user);
  if (!row) return fail(row.error());
  if (!*row) return fail(blob_errc::not_found);
  return BlobAccess{(*row)->size, std::move((*row)->type), (*row)->uploaded_by_user, std::move((*row)->threads)};
}

Result<std::unique_ptr<BlobReader>> BlobService::read(const core::BlobId& id, ByteRange range) const {
  return store_->get(id, range);
}

Result<void> BlobService::reference(core::UserId sender, core::ThreadId thread,
                                    std::span<const core::Attachment> attachments, core::MessageId message) {
  if (attachments.size() > options_.max_attachments) return fail(blob_errc::too_large);
  for (const auto& a : attachments) {
    if (a.name.size() > options_.max_name_bytes) return fail(blob_errc::too_large);
  }
  std::lock_guard lock(mutex_);
  for (const auto& a : attachments) {
    auto up = index_.upload_of(a.blob, sender);
    if (!up) return fail(up.error());
    if (!*up) return fail(blob_errc::not_found);
    if ((*up)->size != a.size || (*up)->type != a.content_type) return fail(blob_errc::bad_reference);
  }
  for (const auto& a : attachments) {
    if (auto r = index_.add_ref(a.blob, thread, message); !r) return r;
  }
  return {};
}

Result<void> BlobService::release(core::ThreadId thread, core::MessageId message) {
  if (message == core::MessageId{0}) return {};  // not a message's own references
  std::lock_guard lock(mutex_);
  return index_.release(thread, message);
}

Result<std::size_t> BlobService::sweep(core::Timestamp now, std::size_t limit) {
  std::vector<core::BlobId> ids;
  {
    std::lock_guard lock(mutex_);
    auto found = index_.unreferenced_before(now - options_.retention, limit);
    if (!found) return fail(found.error());
    ids = std::move(*found);
  }
  std::size_t removed = 0;
  for (const auto& id : ids) {
    // One blob per lock: uploads and sends wait for one removal at most.
    std::lock_guard lock(mutex_);
    // Checked again under the lock: a send may have referenced it, or an upload renewed it.
    auto still = index_.sweepable(id, now - options_.retention);
    if (!still) return fail(still.error());
    if (!*still) continue;
    if (auto r = index_.forget(id); !r) return fail(r.error());
    if (auto r = store_->remove(id); !r) return fail(r.error());
    ++removed;
  }
  swept_ += removed;
  if (removed > 0) IRIS_LOG(info, "blob", "swept {} unreferenced blobs", removed);
  return removed;
}

BlobStats BlobService::stats() const {
  return {uploads_.load(), upload_bytes_.load(), deduplicated_.load(), swept_.load()};
}

}  // namespace iris::store
