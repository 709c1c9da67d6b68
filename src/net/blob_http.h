#pragma once
// The pure parts of the blob endpoints (docs/PROTOCOL.md "Blobs"): the Range of a download
// and the body of an upload's answer. The sessions (net/detail/blob_upload_sink.h,
// net/detail/blob_sender.h) do the I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "store/blob/blob_service.h"
#include "store/blob/blob_store.h"

namespace iris::net {

// A `Range` header against a blob of `size` bytes (RFC 9110 §14.1.2, §14.2): nullopt when
// the whole blob is to be sent (no header, another unit, a malformed value, or several
// ranges, all of which a server may ignore); the one range it names, clipped to the blob; or
// store::blob_errc::bad_range when it cannot be satisfied (416).
Result<std::optional<store::ByteRange>> parse_byte_range(std::string_view header, std::uint64_t size);

// The answer to POST /v1/blobs, in JSON whatever the Accept:
// {"blob":"<64 hex>","size":N,"content_type":"image/png","deduplicated":false}
std::string upload_answer(const store::UploadedBlob& blob);

}  // namespace iris::net
