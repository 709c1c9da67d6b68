#include "sync/device_stream.h"

#include <algorithm>

#include "base/assert.h"

namespace iris::sync {

DeviceStream::DeviceStream(core::Seq resumed_at, core::Seq head, StreamLimits limits)
    : limits_(limits), acked_(resumed_at), sent_(resumed_at), head_(std::max(head, resumed_at)),
      catch_up_end_(head_) {
  IRIS_ASSERT(limits_.max_inflight > 0 && limits_.max_range > 0, "stream limits must be positive");
}

void DeviceStream::on_head(core::Seq head) { head_ = std::max(head_, head); }

bool DeviceStream::on_ack(core::Seq last) {
  if (inflight_.empty() || last != inflight_.front()) return false;
  inflight_.pop_front();
  acked_ = last;
  return true;
}

void DeviceStream::skip() {
  IRIS_ASSERT(!inflight_.empty() && inflight_.back() == sent_, "skip() follows next()");
  inflight_.pop_back();
}

std::optional<SendRange> DeviceStream::next() {
  if (sent_ >= head_ || inflight_.size() >= limits_.max_inflight) return std::nullopt;
  const core::Seq from = core::next(sent_);
  // A range never straddles the end of the catch-up: folded and live batches stay apart.
  core::Seq to{std::min(head_.value(), sent_.value() + limits_.max_range)};
  const bool catch_up = from <= catch_up_end_;
  if (catch_up) to = std::min(to, catch_up_end_);
  sent_ = to;
  inflight_.push_back(to);
  return SendRange{from, to, catch_up};
}

}  // namespace iris::sync
