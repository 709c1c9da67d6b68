#pragma once
// PollHub: long polling on one shard (docs/PROTOCOL.md "Long polling"), for browsers whose
// network blocks WebSockets. A poll `GET /v1/poll?epoch=E&seq=S` gets exactly the delta
// batches and resyncs an MQTT device gets, from the same sync stream: to the sync service a
// poll device is one more device connection (a ConnId of its own, high bit set so it never
// meets an MQTT connection's), and the hub is the sync::DeviceSink that catches that
// connection's pushes; every other call passes on to the shard's own sink.
//
// A poll's (epoch, seq) both asks and acknowledges: buffered pushes up to seq are
// acknowledged to the stream (which moves the device's cursor), the next one is answered at
// once, or the poll is held until one arrives or the HTTP session's timeout passes. A
// position the stream cannot continue from (a reload that lost an answer, a snapshot after
// a resync, another encoding) resumes the stream there. One Envelope per answer, as every
// /v1 route answers; a catch-up is a poll per batch (at most sync.batch.max_updates each).
//
// Bounds: poll devices per user and in total (each holds at most one request; a second poll
// of the same device answers the first as timed out), and a device that stops polling is
// dropped once idle. The stream itself holds at most sync.stream.max_inflight batches.
//
// Typing (docs/PROTOCOL.md "Long polling"): a typing signal of a thread a poll device's user
// is in answers its held poll (an Envelope `typing`; the device polls again at the same
// position), or waits for its next poll behind any batch, at most typing_pending per device
// and only while fresh. Typing sent over HTTP is rate limited per user here (typing_per_s).
//
// Runs on its shard's thread only (the SyncShard's); not thread-safe.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "base/result.h"
#include "core/ids.h"
#include "net/net_options.h"
#include "sync/sync_shard.h"
#include "sync/token_bucket.h"

namespace iris::net {


// What the hub asks of the sync service: sync::SyncShard's device entry points.
class PollTarget {
 public:
  virtual ~PollTarget() = default;
  virtual void on_connected(sync::ConnId conn, core::UserId user, core::DeviceId device) = 0;
  virtual void on_disconnected(sync::ConnId conn) = 0;
  virtual void on_request(sync::ConnId conn, sync::RequestTag tag, sync::Encoding encoding,
                          std::string_view payload) = 0;
  virtual void on_delivered(sync::ConnId conn, std::uint64_t token) = 0;
};

class PollHub final : public sync::DeviceSink {
 public:
  using Clock = std::chrono::steady_clock;
  // The answer to one poll: an encoded Envelope (delta_batch or resync), nullopt when it
  // was superseded by a newer poll of the same device, or an error (too_many_polls).
  using Answer = std::function<void(Result<std::optional<std::string>>)>;

  // `inner` (the shard's sink), `options` and `devices_total` (shared by every shard's hub)
  // must outlive the hub.
  PollHub(sync::DeviceSink& inner, const PollOptions& options, std::atomic<std::size_t>& devices_total);
  ~PollHub() override;

  // `target` must outlive the hub (the SyncShard this hub is the sink of).
  void attach(PollTarget& target) { target_ = &target; }

  // A poll of `device` of `user` holding (epoch, seq), ticket chosen by the caller (to cancel
  // it); `json`: the encoding the answers take. `answer` is called exactly once, now or later
  // on this thread, unless cancel() comes first.
  void poll(core::UserId user, const std::string& device, bool json, core::Epoch epoch, core::Seq seq,
            std::uint32_t max_updates, std::uint64_t ticket, std::chrono::milliseconds timeout,
            Answer answer, Clock::time_point now);
  // The caller gave up on `ticket` (its timeout passed, its connection closed).
  void cancel(core::UserId user, const std::string& device, std::uint64_t ticket);

  std::size_t devices() const { return devices_.size(); }

  // sync::DeviceSink
  void push(sync::ConnId conn, std::string payload, std::uint64_t token) override;
  void reply(sync::ConnId conn, sync::RequestTag tag, std::optional<wire::ErrorCode> error,
             std::string payload) override;
  void signal(sync::ConnId conn, std::string payload) override;
  bool tracing(core::UserId user) override { return inner_.tracing(user); }
  void trace(core::UserId user, std::string json) override { inner_.trace(user, std::move(json)); }
  void revoke_thread(core::UserId user, core::ThreadId thread) override { inner_.revoke_thread(user, thread); }

  // A typing signal sent over HTTP by a user of this shard (the sync service checked it):
  // passed on to `inner` (which routes it to MQTT and every shard's poll devices) unless the
  // user is over typing_per_s.
  bool typing(const wire::Typing& signal) override;
  // A typing signal routed to this shard: given to its poll devices whose user is in the
  // signal's thread, as `in_thread` (this hub's sync service) answers; a user it cannot
  // answer for (inbox not loaded) gets nothing, so no one learns another thread's typing.
  void deliver_typing(const wire::Typing& signal, const std::function<bool(core::UserId)>& in_thread,
                      Clock::time_point now);

  static bool is_poll_conn(sync::ConnId conn) { return (conn.value() & kPollBit) != 0; }

 private:
  static constexpr std::uint64_t kPollBit = std::uint64_t{1} << 63;

  // One push of the stream, as the device will get it.
  struct Item {
    std::uint64_t token = 0;
    std::string payload;
    bool batch = false;       // a delta_batch (else a resync)
    core::Seq first{0}, last{0};
    bool given = false;       // answered to a poll at least once
  };
  struct PendingTyping {
    Clock::time_point at;
    core::ThreadId thread;
    core::UserId user;
    std::string payload;  // the Envelope, in the device's encoding
  };
  struct Device {
    sync::ConnId conn{0};
    bool json = false;
    bool streaming = false;   // a resume was sent and no full resync ended it
    core::Epoch epoch{0};
    core::Seq acked{0};       // acknowledged to the stream (or resumed at)
    core::Seq end{0};         // last seq pushed (or resumed at)
    std::deque<Item> items;
    std::optional<std::pair<std::uint64_t, Answer>> held;  // ticket, answer
    std::deque<PendingTyping> typing;  // oldest first, at most typing_pending
    Clock::time_point expires;  // dropped when not polled again by then
  };
  using Key = std::pair<core::UserId, std::string>;

  // Acknowledges what (epoch, seq) covers; false when the stream cannot continue from there.
  bool advance(Device& d, bool json, core::Epoch epoch, core::Seq seq);
  void resume(Device& d, bool json, core::Epoch epoch, core::Seq seq, std::uint32_t max_updates);
  void answer_front(Device& d, Answer& answer);
  // Answers with the oldest fresh pending typing signal; false if there is none.
  bool answer_typing(Device& d, Answer& answer, Clock::time_point now);
  void reap(Clock::time_point now);
  void drop(std::map<Key, Device>::iterator it);

  sync::DeviceSink& inner_;
  const PollOptions& options_;
  std::atomic<std::size_t>& devices_total_;
  PollTarget* target_ = nullptr;
  std::map<Key, Device> devices_;
  std::unordered_map<sync::ConnId, Key> by_conn_;
  std::unordered_map<core::UserId, std::size_t> per_user_;
  std::unordered_map<core::UserId, sync::TokenBucket> typing_rates_;  // full ones go at reap
  std::uint64_t next_conn_ = 1;
  Clock::time_point next_reap_{};
};

}  // namespace iris::net
