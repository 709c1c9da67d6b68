#pragma once
// SyncShard: the sync service on one event-loop thread (DESIGN.md "Concurrency"). It owns
// the users hashed to its shard, and net/ puts every device of such a user on this shard,
// so a user's queue state, inbox and device streams are touched by one thread, lock-free.
//
// Flows (DESIGN.md "The sync protocol"):
//  - resume: plan_resume against the store's view of the queue; a DeviceStream then hands
//    out seq ranges, read from the MemoryTier or the store, folded during catch-up, cut
//    into DeltaBatches and pushed; the device's acknowledgement of a batch moves its cursor.
//  - requests (send, read receipt, thread operations): planned against the requester's
//    inbox, appended durably in one group commit to every participant's queue, and only
//    then answered (the PUBACK never precedes durability).
//  - fan-out: the store's completion (on its commit thread) routes each appended update to
//    its user's owner shard, in commit order, where it enters the memory tier and the inbox
//    and is pushed to that user's online devices.
//
// All entry points run on this shard's thread. Store completions are routed through the
// ShardRouter, never run inline, so the shard's state is never touched from elsewhere.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "base/strong_id.h"
#include "store/history_store.h"
#include "store/queue_store.h"
#include "sync/delta_batcher.h"
#include "sync/device_stream.h"
#include "sync/inbox.h"
#include "sync/memory_tier.h"
#include "sync/request_planner.h"
#include "sync/request_rates.h"
#include "sync/resync_limiter.h"
#include "wire/messages.h"

namespace iris::store {
class BlobService;
class SocialStore;
}

namespace iris::sync {

// A device connection as the transport names it (net/ gives each MQTT connection one).
using ConnId = StrongId<struct ConnIdTag, std::uint64_t>;
// The transport's handle of one device request, handed back with its reply; opaque here
// (over MQTT, the PUBLISH's packet id, 0 when the device wants no acknowledgement).
using RequestTag = StrongId<struct RequestTagTag, std::uint64_t>;
// How a device encodes what it sends, and so what it is sent: the transport tells (over
// MQTT the gateway reads it off the payload, net/sync_gateway.h).
enum class Encoding { thrift_compact, json };

struct SyncOptions {
  RequestLimits requests;
  BatchLimits batches;
  StreamLimits stream;
  MemoryTierOptions memory;
  ResyncLimits resyncs;
  // Rate limits of sends and thread operations per user and per connection.
  RequestRateLimits rates;
  // Messages per thread in a snapshot. Default 20.
  std::size_t snapshot_latest = 20;
  // Largest backlog read at resume to see whether a backlog_too_large resync can be scoped
  // to one thread (resume_planner.h thread_to_resync). Default 10,000 updates: about 2 MB
  // read once per such resume; larger backlogs get a full resync without the scan.
  std::size_t thread_resync_scan = 10'000;
  // The bandwidth benchmark's legacy pull baseline (BaselineSink): the transport installs
  // one only when this is on. Default false: the live path asks nothing for it.
  bool legacy_baseline = false;
};

// What a shard needs from the transport; called on the shard's thread.
class DeviceSink {
 public:
  virtual ~DeviceSink() = default;
  // Sends `payload` (an encoded Envelope) to the device on `conn`, QoS 1, on its delta
  // topic. When the device acknowledges it, the transport calls on_delivered(conn, token).
  virtual void push(ConnId conn, std::string payload, std::uint64_t token) = 0;
  // Completes the device's request `tag` (as on_request got it): acknowledged, or refused
  // with `error`; `payload` (an encoded Envelope: SendResult or Error), when not empty, goes
  // on its response topic.
  virtual void reply(ConnId conn, RequestTag tag, std::optional<wire::ErrorCode> error,
                     std::string payload) = 0;
  // Sends `payload` (an encoded Envelope: a Heartbeat or a Badge) to the device on `conn`, QoS 0, on
  // its delta topic, after everything pushed to it before: never queued, never retried.
  virtual void signal(ConnId conn, std::string payload) = 0;
  // Whether anyone follows `user`'s trace (docs/PROTOCOL.md: u/<user>/trace); when not,
  // the shard does not even encode the trace message.
  virtual bool tracing(core::UserId user) = 0;
  // Publishes `json` (an Envelope in JSON) to the followers of `user`'s trace, QoS 0.
  virtual void trace(core::UserId user, std::string json) = 0;
  // `user` left `thread`: drop its devices' subscriptions to the thread's ephemeral topics,
  // which were authorized when they were made.
  virtual void revoke_thread(core::UserId user, core::ThreadId thread) = 0;
  // A typing signal of a participant without an MQTT session (SyncShard::typing: checked, its
  // user stamped), to route as the MQTT path routes one. False: over its sender's rate.
  virtual bool typing(const wire::Typing&) { return true; }
};

// The legacy pull baseline of the bandwidth benchmark (sync/baseline_view.h), which is not
// the protocol: told of each append on the owner shard. Only a server that runs the
// benchmark installs one (SyncShard::attach_baseline); called on the shard's thread.
class BaselineSink {
 public:
  virtual ~BaselineSink() = default;
  // Whether anyone follows `user`'s "this thread changed" notices (u/<user>/notify).
  virtual bool listening(core::UserId user) = 0;
  // Sends them `payload` (baseline_notify()), QoS 1.
  virtual void notify(core::UserId user, std::string payload) = 0;
};

class SyncShard;

// The device connection a request came from and which of its resumes it followed. Only a
// request that a connection sent while streaming with skip_own counts as that stream's own,
// so a request sent before a resume is never left out of what the resume streams.
struct RequestOrigin {
  ConnId conn;
  std::uint64_t resume;
};

// Who sent a request, for its rate limits and its answer: the device connection (none over
// HTTP) and the protocol version the peer said it speaks (docs/PROTOCOL.md, compatibility
// rule 4: error codes newer than that are answered with the closest older one).
struct RequestPeer {
  std::optional<ConnId> conn;
  std::int32_t version = wire::kUnnegotiatedVersion;
};

// Runs work on the shard that owns a user. net/ implements it with io_context::post.
class ShardRouter {
 public:
  virtual ~ShardRouter() = default;
  // Runs `fn` later on the owner shard of `user`, never inline. Calls made from one thread
  // run in the order they were made.
  virtual void to_owner(core::UserId user, std::function<void(SyncShard&)> fn) = 0;
  // Runs `fn` later on shard `shard` of this server (SyncShard's index), never inline.
  virtual void to_shard(std::uint32_t shard, std::function<void(SyncShard&)> fn) = 0;
};

// The cell around this server (docs/CLUSTER.md "Sends across servers"), as the request path
// needs it: irisd's forwarder implements it over the server-to-server link.
class CellFanout {
 public:
  virtual ~CellFanout() = default;
  // Whether this server owns `user` now (cluster::CellSnapshot::owns). Thread-safe, never
  // blocks.
  virtual bool owns(core::UserId user) const = 0;
  // owns() by one view of the cell, the current one, kept by the function returned: what a
  // request's split asks, so that the sender and every recipient are judged by the same ring
  // even while it changes. Default: owns() (a view that does not change).
  virtual std::function<bool(core::UserId)> owns_by_one_view() const {
    return [this](core::UserId user) { return owns(user); };
  }
  // Whether new message and thread ids come from next_id (unique in the deployment) rather
  // than from the shard (unique in this server). Default: the shard's (one server).
  virtual bool makes_ids() const { return false; }
  // A new id (sync::CellIdGenerator), or nullopt while this server holds no id slot (then
  // it owns nobody). Thread-safe.
  virtual std::optional<std::uint64_t> next_id(core::Timestamp /*now*/) { return std::nullopt; }
  // Whether `user` is placed in this server's cell (cluster::CellSnapshot::placed_here), so
  // that a cell-wide social store holds its state. Thread-safe, never blocks. Default: every
  // user (a deployment of one cell).
  virtual bool placed_here(core::UserId /*user*/) const { return true; }
  // `pending` was committed with its request (store::FanoutNote): deliver it to the
  // recipients' owners. Called on the store's commit thread: must not block.
  virtual void forward(store::PendingFanout pending) = 0;
  // A checked typing signal (participant, stamped user): pass it on to the cell's other
  // servers, where the thread's other participants' devices are. Any thread, must not block.
  // Default: nothing (a deployment of one server).
  virtual void typing(const wire::Typing& /*signal*/) {}
};

class SyncShard {
 public:
  using Clock = std::function<core::Timestamp()>;

  // `store`, `router` and `sink` must outlive the shard.
  SyncShard(std::uint32_t shard, const SyncOptions& options, store::QueueStore& store,
            ShardRouter& router, DeviceSink& sink, Clock now);

  void on_connected(ConnId conn, core::UserId user, core::DeviceId device);
  void on_disconnected(ConnId conn);
  // A request from the device (`payload` is an Envelope in `encoding`): a ResumeRequest
  // starts its stream; anything else goes through request(). Either way DeviceSink::reply
  // answers `tag`, and the device is sent everything in `encoding` from then on.
  void on_request(ConnId conn, RequestTag tag, Encoding encoding, std::string_view payload);

  // What a request came to: accepted and durable, or refused (nothing was enqueued).
  using Outcome = std::variant<wire::SendResult, wire::Error>;
  // Called exactly once, on this shard's thread (later, or inline when refused at once).
  using Completion = std::function<void(Outcome)>;
  // The one request path, shared by MQTT and HTTP: a send, read receipt or thread operation
  // of `user`, planned against the user's inbox, appended durably in one group commit
  // (deduplicated by (user, client id): a retry gets the first result), then completed.
  // Anything else (a ResumeRequest, a server-to-device message) is refused as
  // invalid_request. `origin`: the device connection that sent it, if any (a device that
  // resumed with skip_own gets the update from the result alone). A request over the rate
  // limits of `user` or of `peer.conn` is refused rate_limited with a retry-after
  // (request_rates.h). Requires: this shard owns `user`.
  void request(core::UserId user, const wire::Message& request, Completion done,
               std::optional<RequestOrigin> origin = std::nullopt, RequestPeer peer = {});
  // The device acknowledged the push with `token`.
  void on_delivered(ConnId conn, std::uint64_t token);
  // The device's keep-alive arrived: a streaming device gets a Heartbeat with the head.
  void on_keep_alive(ConnId conn);

  // Whether `user` is a participant of `thread` now, from the user's inbox (loaded on first
  // use). Requires: this shard owns `user` (the inbox of any other user is not ours to load).
  bool is_participant(core::UserId user, core::ThreadId thread);
  // A typing signal sent without MQTT (POST /v1/requests, docs/PROTOCOL.md "Long polling"):
  // `who` must be a participant of its thread (else not_participant); `user` is set to `who`
  // and the sink routes it (rate_limited when the sink refuses it). Nothing is stored.
  Result<void> typing(core::UserId who, wire::Typing signal);
  // The same from the user's inbox only if it is resident: nullopt when it is not loaded
  // (never reads the store). For the MQTT authorizer, which asks inside the broker.
  std::optional<bool> resident_participant(core::UserId user, core::ThreadId thread) const;
  // Loads `user`'s inbox now, if it is not resident, so resident_participant can answer
  // (a failed load is retried on the next use). Requires: this shard owns `user`.
  void make_resident(core::UserId user);
  // The users `gone` names now belong to another server of the cell, which appends to their
  // queues from now on: what this shard keeps of them (head, inbox, memory tier) would be
  // stale if they came back, so it is dropped and read again at their next use. Their
  // devices stay attached (they are being told to move). Returns how many were dropped.
  std::size_t forget_users(const std::function<bool(core::UserId)>& gone);

  // Owner-shard side of fan-out: `update` was durably appended to `user`'s queue; `origin` is
  // the streaming connection whose request made it, when that is one of `user`'s devices.
  void on_appended(core::UserId user, const core::Update& update,
                   std::optional<RequestOrigin> origin = std::nullopt);
  // `user`'s queue is known to hold `seq` (a retried request found its first attempt
  // committed): if this shard has not seen it (the first attempt's outcome was unknown), it
  // reads what it missed from the store and takes it as appended, so devices get it now.
  void on_known_committed(core::UserId user, core::Seq seq);

  // The inbox of `user` at its current position (HTTP snapshot), with the newest `latest`
  // messages of each thread (default SyncOptions::snapshot_latest); loads it on first use.
  // Exact at the (epoch, seq) it names: the inbox has applied exactly the updates up to seq.
  // Requires: this shard owns `user`.
  Result<wire::Snapshot> snapshot(core::UserId user, std::optional<std::size_t> latest = {});

  // Up to `limit` messages of `thread` older than `before` (the newest when nullopt), oldest
  // first, from `user`'s inbox (until the history tier exists, only what the queue store
  // retains); `more` when older ones exist. sync::errc::not_participant when `user` is not
  // (or no longer) in the thread. Requires: this shard owns `user`.
  Result<wire::ThreadPage> thread_page(core::UserId user, core::ThreadId thread,
                                       std::optional<core::MessageId> before, std::size_t limit);

  // `user`'s unread count over every thread (HTTP GET /v1/badge), exact at the (epoch, seq)
  // it names; O(1) once the inbox is loaded (Inbox keeps the counts as updates apply).
  // Requires: this shard owns `user`.
  Result<wire::Badge> badge(core::UserId user);

  // Devices connected to this shard's sync service.
  std::size_t online_devices() const { return devices_.size(); }
  // Updates each streaming device still has to receive (head - acknowledged), one per
  // device: the cursor lag the metrics report.
  std::vector<std::uint64_t> cursor_lags() const;

  // Messages of `thread` in `user`'s inbox older than `before` (all when nullopt), the newest
  // `limit` of them, oldest first: older-history pages, served from history plus the queue
  // tail like the snapshot. unknown_thread if the thread is not in the inbox. Loads the inbox
  // on first use.
  Result<std::vector<wire::ThreadMessage>> messages(core::UserId user, core::ThreadId thread,
                                                    std::optional<core::MessageId> before,
                                                    std::size_t limit);

  // The legacy pull baseline's JSON views for `user` (sync/baseline_view.h): one
  // conversation, or with no thread the whole inbox (every thread, newest 20 messages each).
  // Requires: this shard owns `user`.
  Result<std::string> baseline_view(core::UserId user, std::optional<core::ThreadId> thread);

  // Serves inboxes from `history` plus the queue tail it has not applied (a trimmed queue
  // no longer holds them whole), and calls `appended(user)` on the store's commit thread
  // for every user a request appended to (HistoryWriter::notify). Call before any traffic.
  // `history` must outlive the shard.
  void attach_history(const store::HistoryStore& history, std::function<void(core::UserId)> appended);
  // Tells `sink` of every append from now on (the bandwidth benchmark's pull baseline).
  // Without it, appends cost the baseline nothing. `sink` must outlive the shard.
  void attach_baseline(BaselineSink& sink) { baseline_ = &sink; }
  // Sends with attachments are checked against (and recorded in) `blobs`, which must outlive
  // the shard. Without it a send that carries attachments is refused (invalid_request).
  void attach_blobs(store::BlobService& blobs) { blobs_ = &blobs; }
  // Contacts, blocks, folders and the group-add setting (sync_shard_social.cc) are read from
  // and written to `social`, which must outlive the shard. Without it no policy applies (every
  // thread lands in the inbox) and a SocialRequest is refused (invalid_request). In a cell, a
  // cell-wide store (SocialStore::cell_wide, MariaDB) lets this shard judge every recipient;
  // a per-server one only the recipients this server owns.
  void attach_social(store::SocialStore& social) { social_ = &social; }

  // `user`'s contacts, blocked users and group-add setting (HTTP GET /v1/contacts).
  // sync::errc::invalid_request without a social store.
  Result<wire::ContactList> contact_list(core::UserId user) const;

  // In a cell: every request's append is split by owner (fanout_plan.h): the participants
  // `cell` says this server owns are appended in the request's commit, the others recorded
  // as pending fan-out in it and handed to `cell` once committed. Only with a store that
  // records fan-out (QueueStore::records_fanout); call before any traffic. `cell` must
  // outlive the shard.
  void attach_cell(CellFanout& cell) { cell_ = &cell; }
  // The receiving side of the link (sync_shard_fanout.cc): appends `fanout`'s update to each
  // of its recipients under fanout_key (a re-send appends nothing twice), routes what was
  // appended to the recipients' owner shards like any append, and calls `done` on this
  // shard's thread once every append is durable, or with the first error. sync::errc::
  // not_owner, appending nothing, when a recipient is not this server's now (or no cell is
  // attached).
  void accept_fanout(store::PendingFanout fanout, std::function<void(Result<void>)> done);

  struct Stats {
    std::uint64_t requests = 0, refused = 0, rate_limited = 0, batches_pushed = 0, updates_pushed = 0,
                  acks = 0, resyncs = 0, thread_resyncs = 0, heartbeats = 0,
                  heartbeats_elided = 0, badges_pushed = 0;
  };
  const Stats& stats() const { return stats_; }
  const SyncOptions& options() const { return options_; }

 private:
  struct User {
    std::optional<Inbox> inbox;  // loaded on first use
    store::QueueInfo queue;      // as last seen
    std::vector<ConnId> devices;
    std::optional<RequestRates> rates;  // made on the user's first request
    // The badge push (sync_shard_lifecycle.cc): one flush is queued behind the appends of a
    // commit, so a burst of updates costs one push of the final count.
    bool badge_pending = false;
    std::optional<std::pair<std::uint32_t, std::uint32_t>> badge_pushed;  // unread, threads
  };
  // A device is (user, id), never the id alone: its cursor lives in its user's queue, so two
  // users' devices of the same name are two cursors in two queues.
  struct Device {
    core::UserId user;
    core::DeviceId id;
    Encoding encoding = Encoding::thrift_compact;
    std::optional<DeviceStream> stream;
    // A thread-scoped resync left this thread out of the catch-up (resume_planner.h).
    std::optional<core::ThreadId> skip_in_catch_up;
    std::unordered_map<std::uint64_t, std::optional<core::Seq>> tokens;  // range end, if last
    core::Seq cursor_written{0};  // the last cursor write asked of the store (or resumed at)
    bool head_told = false;  // a heartbeat went out since the last resume (on_keep_alive)
    // Resumed with skip_own: the seqs of its own requests' updates, ascending, not yet passed
    // by the stream; live batches leave them out (the results carried them).
    bool skip_own = false;
    std::deque<core::Seq> own;
    std::uint64_t resumes = 0;  // resumes on this connection (RequestOrigin::resume)
    std::optional<RequestRates> rates;  // made on the connection's first request
    std::int32_t protocol = wire::kUnnegotiatedVersion;  // as its last resume said
  };

  Result<User*> load(core::UserId user);
  // If the store's epoch generation moved (QueueStore::epoch_generation: a failover that may
  // have lost acknowledged writes changed every queue's epoch), forgets what this shard keeps
  // of each loaded user (inbox, memory tier), reads its QueueInfo again, and sends each of
  // its streaming devices a Resync (epoch_changed, at the new epoch) so none goes on at the
  // old one missing updates. Called at the shard's entry points (sync_shard_epochs.cc).
  void check_epoch_generation();
  // The store's `info` of `user` is past what this shard holds (appends it never heard of: a
  // cell's other owner, or news still on its way): takes the missing updates as appended
  // (on_known_committed), or forgets everything of the user if the queue's epoch changed.
  void catch_up_with_store(core::UserId user, const store::QueueInfo& info);
  // `user`'s inbox at `info`: history's state plus the queue after it (errc::trimmed if a
  // trim raced with the read), or the queue alone without history.
  Result<Inbox> materialize(core::UserId user, const store::QueueInfo& info);
  void resume(ConnId conn, Device& d, const wire::ResumeRequest& req);
  // The thread a backlog_too_large resync of this resume can be scoped to, if any.
  std::optional<core::ThreadId> scoped_resync(core::UserId user, const wire::ResumeRequest& req);
  void pump(ConnId conn, Device& d);
  // Writes the device's cursor at what it acknowledged, if that is past the last write.
  void write_cursor(Device& d);
  // Mirrors an append to the user's trace followers, if any (`epoch` when known here).
  void trace(core::UserId user, const core::Update& update, std::optional<core::Epoch> epoch);
  // Tells the user's baseline listeners, if any, that the update's thread changed.
  void notify_baseline(core::UserId user, const core::Update& update);
  void push(ConnId conn, Device& d, const wire::Message& m, std::optional<core::Seq> range_end);
  // Refuses a request: counts it and completes `done` with the Error for `ec`, its code as
  // a peer of `version` reads it.
  void refuse(const Completion& done, std::error_code ec, std::optional<core::ClientMsgId> client_id,
              std::int32_t version, std::optional<std::chrono::milliseconds> retry_after = {});
  // nullopt if the request may go on (its tokens are taken), else how long until it could.
  std::optional<std::chrono::milliseconds> admit(core::UserId user, const wire::Message& request,
                                                 const RequestPeer& peer);
  // A MessageActionRequest (sync_shard_lifecycle.cc): a retry known to the store is answered
  // from its record (the message may be gone by now), anything else planned and submitted.
  // After a commit of `u` (on the sender's owner shard): lets go of the blob references an
  // unsend or a retried send's unused message id held (BlobService::release).
  void settle_blob_references(const core::Update& u, bool duplicate);
  void request_message_action(core::UserId user, const Inbox& inbox,
                              const wire::MessageActionRequest& req, Completion done,
                              std::optional<RequestOrigin> origin, std::int32_t version);
  // A SocialRequest (sync_shard_social.cc): the social store written, then the matching
  // update appended to the requester's own queue.
  void request_social(core::UserId user, const Inbox& inbox, const wire::SocialRequest& req,
                      Completion done, std::optional<RequestOrigin> origin, std::int32_t version);
  // The social policy on a planned request of `actor` (core/social_policy.h): leaves out of
  // a send the recipients that blocked the actor, refuses (errc::not_accepted) a thread or
  // an add a recipient does not take, and records `requests` in the social store as the
  // folder of each recipient that gets a new thread from a non-contact. Fails with the
  // store's error (unavailable) when the state cannot be read: never judged by defaults.
  Result<void> apply_social_policy(core::UserId actor, const wire::Message& request,
                                   store::AppendRequest& plan);
  // Fills the snapshot's folders and social state from the social store.
  Result<void> add_social(core::UserId user, wire::Snapshot& snapshot) const;
  // The inbox of `user` moved its unread count: push the badge once the burst is applied.
  void badge_changed(core::UserId user, User& u);
  // Pushes `user`'s badge, if it changed since the last push, to its version 5 devices.
  void flush_badge(core::UserId user);
  void submit(core::UserId sender, store::AppendRequest request, core::ClientMsgId client_id,
              core::ThreadId thread, Completion done, std::optional<RequestOrigin> origin,
              std::int32_t version);
  // A new message or thread id: the cell's (unique in the deployment) for a cell member,
  // else this shard's. Nullopt: a cell member without its id slot yet.
  std::optional<std::uint64_t> next_id(core::Timestamp now);
  std::string encode(Encoding enc, const wire::Message& m) const;

  const std::uint32_t shard_;
  const SyncOptions& options_;  // must outlive the shard: owned by the server config
  store::QueueStore& store_;
  const store::HistoryStore* history_ = nullptr;   // optional; see attach_history
  store::BlobService* blobs_ = nullptr;            // optional; see attach_blobs
  store::SocialStore* social_ = nullptr;           // optional; see attach_social
  std::function<void(core::UserId)> appended_;     // optional; see attach_history
  ShardRouter& router_;
  DeviceSink& sink_;
  BaselineSink* baseline_ = nullptr;  // optional; see attach_baseline
  CellFanout* cell_ = nullptr;        // optional; see attach_cell
  Clock now_;
  MemoryTier memory_;
  ResyncLimiter resyncs_;
  IdGenerator ids_;  // a server's own; a cell member's come from its CellFanout (next_id)
  std::mt19937_64 rng_;
  std::unordered_map<core::UserId, User> users_;
  std::uint64_t epoch_generation_ = 0;  // the store's, as this shard last acted on it
  std::unordered_map<ConnId, Device> devices_;
  std::uint64_t next_token_ = 1;
  Stats stats_;
  // Rate limit of the log line for rate-limited and queue-full refusals (refuse()).
  core::Timestamp next_refusal_log_{};
  std::uint64_t refusals_unlogged_ = 0;
};

}  // namespace iris::sync
