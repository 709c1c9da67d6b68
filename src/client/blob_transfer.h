#pragma once
// BlobTransfer: a device's attachment files over HTTP (docs/PROTOCOL.md "Blobs"): upload()
// streams a file to `POST /v1/blobs` and returns the reference a send cites (id, type and
// size as the server answered, the file name, image dimensions read from its header);
// download() streams `GET /v1/blobs/{id}` to a file, resuming a partial one with a Range
// request, and checks that the bytes hash to the id before naming the file.
//
// Blocking, on the caller's thread, one connection per call; each read or write of the
// socket is bounded by `idle_timeout` (a large file may take longer as a whole). Neither
// holds a whole file in memory.

#include <chrono>
#include <string>

#include "base/result.h"
#include "client/http_api.h"
#include "core/attachment.h"

namespace iris::client {

struct UploadedFile {
  core::Attachment attachment;
  bool deduplicated = false;  // the server had these bytes already
};

class BlobTransfer {
 public:
  BlobTransfer(HttpEndpoint endpoint, std::string token, std::chrono::milliseconds idle_timeout)
      : endpoint_(std::move(endpoint)), token_(std::move(token)), idle_(idle_timeout) {}

  // `name`: the attachment's file name (default: the path's last component); `content_type`:
  // default from the file's signature or extension (file_probe.h). errc::file when the file
  // cannot be read; refused for 413 (over blobs.max_bytes) and 415 (type not allowed).
  Result<UploadedFile> upload(const std::string& path, std::string name = {},
                              std::string content_type = {}) const;

  // Writes the blob to `path` through `path`.part: a .part left by an interrupted download
  // is continued from its end (Range), and renamed to `path` once the whole blob is there
  // and hashes to `id` (else errc::file and the .part is removed). Returns the blob's size.
  // errc::refused when the server answers 404 (no such blob, or not readable by this user).
  Result<std::uint64_t> download(const core::BlobId& id, const std::string& path) const;

 private:
  HttpEndpoint endpoint_;
  std::string token_;
  std::chrono::milliseconds idle_;
};

}  // namespace iris::client
