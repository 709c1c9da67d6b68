#pragma once
// BlobStore: where attachment bytes live, named by the SHA-256 of their content
// (core::BlobId), so the same bytes are stored once however often they are uploaded.
// Bytes only: who uploaded a blob and which threads reference it are the BlobIndex's
// (blob_index.h); BlobService (blob_service.h) keeps the two consistent.
//
// Implementations: FsBlobStore (fs_blob_store.h, the embedded default: files under
// <data_dir>/blobs). A replicated one (the cell's, e.g. on the MariaDB pair or an object
// store) implements the same interface: put streams, get reads ranges, iteration feeds GC.
//
// Thread-safety: every method may be called from any thread at once; a BlobWriter or
// BlobReader is used by one thread at a time and must not outlive its store.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "base/result.h"
#include "core/attachment.h"

namespace iris::store {

struct BlobStat {
  std::uint64_t size = 0;
};

// Bytes [first, first + length) of a blob.
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};

// One upload in progress. Bytes go to a temporary place as they come (never all in memory);
// commit() makes them durable under their content's id. Destroying an uncommitted writer
// discards what it wrote.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  virtual Result<void> write(std::string_view bytes) = 0;
  std::uint64_t size() const { return size_; }
  // Makes the bytes written so far durable without naming them, so that commit() after it
  // only names them; nothing may be written after it. Safe to call with no lock held (the
  // slow part of an upload: BlobService runs it outside its lock, so uploads sync in
  // parallel). commit() without it does it first. The default does nothing (a store whose
  // commit() is its only durable step).
  virtual Result<void> sync() { return {}; }
  // Makes the bytes durable (synced) before naming them: after commit() returns the blob
  // survives a crash. Returns its id; `fresh` is false when the same bytes were stored
  // already (the new copy was dropped).
  struct Committed {
    core::BlobId id;
    std::uint64_t size = 0;
    bool fresh = true;
  };
  virtual Result<Committed> commit() = 0;

 protected:
  std::uint64_t size_ = 0;
};

// Reads one range of a blob, front to back.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  // Up to out.size() bytes of what is left of the range; 0 once it is all read.
  virtual Result<std::size_t> read(std::span<char> out) = 0;
  virtual std::uint64_t remaining() const = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual Result<std::unique_ptr<BlobWriter>> put() = 0;
  // blob_errc::not_found, or bad_range when the range does not lie inside the blob.
  virtual Result<std::unique_ptr<BlobReader>> get(const core::BlobId& id, ByteRange range) const = 0;
  virtual Result<BlobStat> stat(const core::BlobId& id) const = 0;
  // Removing a blob that is not there succeeds (a sweep may be repeated after a crash).
  virtual Result<void> remove(const core::BlobId& id) = 0;
  // Calls `fn` for every stored blob, in no particular order (GC of files the index lost).
  virtual Result<void> for_each(const std::function<void(const core::BlobId&, const BlobStat&)>& fn) const = 0;
};

}  // namespace iris::store
