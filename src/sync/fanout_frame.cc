#include "sync/fanout_frame.h"

#include <algorithm>

#include "sync/errc.h"
#include "wire/codec.h"

namespace iris::sync {
namespace {

constexpr std::size_t kHeader = 1 + 8 + 8 + 2;

void put(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

std::uint64_t get(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | static_cast<unsigned char>(in[at + i]);
  return v;
}

}  // namespace

std::string encode_fanout_frame(const store::PendingFanout& fanout) {
  std::string out;
  out.reserve(kHeader + 8 * fanout.recipients.size() + 64);
  out.push_back(static_cast<char>(kFanoutFrameVersion));
  put(out, fanout.sender.value(), 8);
  put(out, fanout.update.seq.value(), 8);
  put(out, fanout.recipients.size(), 2);
  for (auto r : fanout.recipients) put(out, r.value(), 8);
  const wire::DeltaBatch one{core::Epoch{1}, fanout.update.seq, fanout.update.seq, {fanout.update}};
  out += wire::encode(one);
  return out;
}

Result<store::PendingFanout> decode_fanout_frame(std::string_view bytes, const FanoutFrameLimits& limits) {
  if (bytes.empty()) return fail(errc::bad_frame);
  if (static_cast<std::uint8_t>(bytes[0]) != kFanoutFrameVersion) return fail(errc::unknown_frame_version);
  if (bytes.size() > limits.max_bytes || bytes.size() < kHeader) return fail(errc::bad_frame);
  store::PendingFanout out;
  out.sender = core::UserId{get(bytes, 1, 8)};
  const core::Seq seq{get(bytes, 9, 8)};
  const std::size_t count = get(bytes, 17, 2);
  if (count == 0 || count > limits.max_recipients || bytes.size() < kHeader + 8 * count) {
    return fail(errc::bad_frame);
  }
  out.recipients.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.recipients.push_back(core::UserId{get(bytes, kHeader + 8 * i, 8)});
  auto sorted = out.recipients;
  std::sort(sorted.begin(), sorted.end());
  if (sorted.front().value() == 0 || std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end() ||
      out.sender.value() == 0 || seq.value() == 0) {
    return fail(errc::bad_frame);
  }
  wire::Limits wl;
  wl.max_message_bytes = limits.max_bytes;
  auto batch = wire::decode<wire::DeltaBatch>(bytes.substr(kHeader + 8 * count), wl);
  if (!batch || batch->updates.size() != 1 || batch->first_seq != seq || batch->last_seq != seq ||
      batch->updates.front().seq != seq) {
    return fail(errc::bad_frame);
  }
  out.update = std::move(batch->updates.front());
  return out;
}

}  // namespace iris::sync
