#pragma once
// BlobUploadSink: the body of POST /v1/blobs, streamed by the HTTP session's reader into the
// blob store as it arrives (docs/PROTOCOL.md "Blobs"). At the header it authenticates the
// bearer token and starts the upload (content type, blobs.max_bytes against a declared
// Content-Length, blobs.max_concurrent_uploads); each piece of the body is written as it is
// parsed; finish() names the blob once the request is complete. A refusal at any point
// ends the request with its status (net/http_status.h) and drops what was written.
//
// One per HTTP session, on the session's shard; the service and signer must outlive it.

#include <chrono>
#include <memory>
#include <optional>

#include "core/ids.h"
#include "net/http_request_reader.h"
#include "net/token.h"
#include "store/blob/blob_service.h"

namespace iris::net::detail {

class BlobUploadSink final : public HttpRequestReader::BodySink {
 public:
  BlobUploadSink(store::BlobService& blobs, const TokenSigner* signer) : blobs_(blobs), signer_(signer) {}

  std::optional<std::uint64_t> streams(std::string_view method, std::string_view target) override;
  std::error_code begin(const HttpRequest& header, bool gzip) override;
  std::error_code write(std::string_view bytes) override;

  // The request is complete: names the blob and records the upload (the file is synced).
  Result<store::UploadedBlob> finish();
  // Drops an upload that will not finish (a refused request); its slot is free again.
  void reset() { upload_.reset(); }

 private:
  store::BlobService& blobs_;
  const TokenSigner* signer_;  // null: every token is refused
  std::unique_ptr<store::BlobService::Upload> upload_;
};

}  // namespace iris::net::detail
