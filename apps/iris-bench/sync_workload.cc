#include "apps/iris-bench/sync_workload.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "apps/iris-bench/pacer.h"
#include "apps/iris-bench/run_state.h"
#include "mqtt/encoder.h"
#include "net/token.h"
#include "wire/codec.h"
#include "wire/topics.h"

namespace iris::bench {
namespace {

// The first byte of a Thrift compact Envelope is the field header of its one member: field
// id delta << 4 | type 12 (struct). Telling a SendResult (member 6) by it spares decoding
// one push per send that the benchmark does not look at once sending.
constexpr std::uint8_t kSendResultHeader = 0x6C;

// What the main thread and the workers share (run_state.h), and the sync phases' counts.
struct Shared : RunState {
  std::atomic<std::size_t> created{0};
  std::atomic<std::size_t> resumed{0};
  std::atomic<std::size_t> senders_done{0};    // devices whose every send was acknowledged
  std::atomic<std::size_t> receivers_done{0};  // devices that got every message sent to them
  std::atomic<std::size_t> threads_seen{0};        // devices whose stream brought thread_created
  std::atomic<std::uint64_t> acked{0};             // PUBACKs of sends, over all devices
  std::atomic<std::uint64_t> delivered_unique{0};  // first deliveries of others' sends
  // Timed closed loop (written before the start is posted): PUBACKs count from window_from;
  // no send starts at or after stop_at.
  Clock::time_point window_from;
  Clock::time_point stop_at = Clock::time_point::max();
};

// A send's index among its sender's sends travels in the low bits of its client id's lo half.
constexpr std::uint64_t kMaxSendIndex = 1ull << 24;

std::string sync_topic(core::UserId user) { return wire::user_topic(user, wire::UserTopic::sync); }

void append_request(mqtt::Bytes& out, core::UserId user, mqtt::PacketId id, const wire::Message& m,
                    mqtt::Version version) {
  mqtt::Publish p;
  p.qos = mqtt::QoS::at_least_once;
  p.topic = sync_topic(user);
  p.packet_id = id;
  p.payload = mqtt::Payload(wire::encode(m));
  mqtt::encode(mqtt::Packet(std::move(p)), version, out);
}

// One device's send_request PUBLISH, encoded once; each send copies it and patches the packet
// id and the client id in place (Thrift compact writes the 16 client id bytes as they are).
class SendTemplate {
 public:
  SendTemplate(core::UserId user, core::ThreadId thread, std::size_t text, mqtt::Version version) {
    constexpr mqtt::PacketId kProbeId = 0xA55A;
    const core::ClientMsgId probe{0x1B2C3D4E5F607182ull, 0x92A3B4C5D6E7F801ull};
    append_request(bytes_, user, kProbeId,
                   wire::Message{wire::SendRequest{probe, thread, std::string(text, 'x'), std::nullopt}},
                   version);
    std::uint8_t want[16];
    put_cid(want, probe);
    const auto at = std::search(bytes_.begin(), bytes_.end(), want, want + 16);
    if (at == bytes_.end()) throw std::logic_error("SendTemplate: client id not found in the encoding");
    cid_offset_ = static_cast<std::size_t>(at - bytes_.begin());
    // Variable header (MQTT 5.0 §3.3.2): topic (2 + length bytes), then the packet id.
    id_offset_ = 1;
    while (bytes_[id_offset_] & 0x80) ++id_offset_;
    id_offset_ += 1 + 2 + sync_topic(user).size();
    if (bytes_[id_offset_] != 0xA5 || bytes_[id_offset_ + 1] != 0x5A) {
      throw std::logic_error("SendTemplate: packet id not where MQTT 5.0 §3.3.2 puts it");
    }
  }

  void append(mqtt::Bytes& out, mqtt::PacketId id, core::ClientMsgId cid) const {
    const std::size_t at = out.size();
    out.insert(out.end(), bytes_.begin(), bytes_.end());
    out[at + id_offset_] = static_cast<std::uint8_t>(id >> 8);
    out[at + id_offset_ + 1] = static_cast<std::uint8_t>(id & 0xFF);
    put_cid(out.data() + at + cid_offset_, cid);
  }

 private:
  static void put_cid(std::uint8_t* p, core::ClientMsgId cid) {
    for (int i = 0; i < 8; ++i) {
      p[i] = static_cast<std::uint8_t>(cid.hi >> (56 - 8 * i));
      p[8 + i] = static_cast<std::uint8_t>(cid.lo >> (56 - 8 * i));
    }
  }

  mqtt::Bytes bytes_;
  std::size_t id_offset_ = 0;
  std::size_t cid_offset_ = 0;
};

struct Worker;

// One device of one user. Setup steps are started by the main thread (posted to the
// worker); sends run on the worker until `count` are acknowledged.
class Device final : public ClientHandler {
 public:
  Device(Shared& shared, Worker& worker, const SyncOptions& options, std::size_t index,
         core::UserId user, std::uint64_t count)
      : shared_(shared), worker_(worker), options_(options), index_(index), user_(user), count_(count) {}

  void attach(MqttClient* client) { client_ = client; }
  MqttClient& client() { return *client_; }
  core::UserId user() const { return user_; }
  std::uint64_t sent() const { return sent_; }
  std::uint64_t acked() const { return acked_; }
  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t own_echoes() const { return own_echoes_; }
  std::uint64_t batches() const { return batches_; }
  std::uint64_t acked_in_window() const { return acked_in_window_; }
  std::uint64_t duplicates() const { return duplicates_; }
  const std::vector<std::int64_t>& ack_latencies_ns() const { return ack_latencies_ns_; }
  // This device's acknowledged sends that `peer` never got (after the workers stopped).
  std::uint64_t lost_at(const Device& peer) const {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < acked_index_.size(); ++i) {
      n += acked_index_[i] && (i >= peer.seen_.size() || !peer.seen_[i]) ? 1 : 0;
    }
    return n;
  }
  core::Seq thread_seq() const { return thread_seq_; }
  Clock::time_point caught_up_at() const { return caught_up_at_; }
  Clock::time_point resumed_at() const { return resumed_at_; }

  // The device expects `n` messages from others (its receivers_done is counted then).
  void expect(std::uint64_t n) { expected_ = n; }
  // The other participant, whose thread id this device's creation fills in.
  void pair_with(Device* peer) { peer_ = peer; }

  void on_ready(MqttClient& c) override {
    window_ = static_cast<std::uint16_t>(std::min<std::uint32_t>(options_.window, c.receive_maximum()));
    shared_.ready.fetch_add(1);
  }

  void create_thread() {
    wire::CreateThreadRequest req{core::ClientMsgId{user_.value(), 1}, "bench", {peer_->user()}};
    phase_ = Phase::creating;
    append_request(client_->output(), user_, next_id(), wire::Message{std::move(req)}, options_.version);
    client_->flush();
  }

  // Resumes from `from` (nullopt: the head, i.e. live only) in `epoch`; without an epoch,
  // first with epoch 0 to learn the queue's epoch and head from the resync (which spends
  // one of the user's full resyncs: irisd allows a few at once). A push reaching `until`
  // marks the device caught up.
  void resume(std::optional<core::Seq> from, core::Seq until = core::Seq{0},
              std::optional<core::Epoch> epoch = std::nullopt) {
    resume_from_ = from;
    until_ = until;
    if (epoch && from) return resume_now(*epoch, *from, Clock::now());
    phase_ = Phase::probing;
    probe_id_ = next_id();
    append_request(client_->output(), user_, probe_id_, wire::Message{wire::ResumeRequest{}}, options_.version);
    client_->flush();
  }
  core::Epoch epoch() const { return epoch_; }

  void start_sending(Clock::time_point now) {
    phase_ = Phase::sending;
    if (!template_) template_.emplace(user_, thread_, options_.text, options_.version);
    if (count_ == 0) shared_.senders_done.fetch_add(1);
    send_due(now);
  }

  void on_publish(MqttClient&, std::span<const std::uint8_t> payload, Clock::time_point now) override {
    if (payload.empty()) return fail("empty push");
    if (payload[0] == kSendResultHeader && phase_ == Phase::sending) return;
    const std::string_view bytes(reinterpret_cast<const char*>(payload.data()), payload.size());
    auto m = wire::decode<wire::Message>(bytes);
    if (!m) return fail("undecodable push: " + m.error().message());
    if (auto* b = std::get_if<wire::DeltaBatch>(&*m)) return on_batch(*b, now);
    if (auto* r = std::get_if<wire::SendResult>(&*m)) {
      if (phase_ != Phase::creating) return;
      thread_ = r->thread;
      thread_seq_ = r->seq;
      if (peer_) peer_->thread_ = r->thread;
      phase_ = Phase::idle;
      shared_.created.fetch_add(1);
      return;
    }
    if (auto* r = std::get_if<wire::Resync>(&*m)) {
      // `temporary` (e.g. a server of a cell still taking the user over): the device resumes
      // again where it is, after retry_after, as an app does.
      if (r->reason == wire::ResyncReason::temporary) return resume_later(*r);
      if (phase_ != Phase::probing || r->reason != wire::ResyncReason::epoch_changed) {
        return fail("unexpected resync, reason " + std::to_string(static_cast<int>(r->reason)));
      }
      resume_now(r->epoch, resume_from_.value_or(r->head), now);
      return;
    }
    if (auto* e = std::get_if<wire::Error>(&*m)) return fail("error response: " + e->text);
    // Heartbeats and anything else: nothing to do.
  }

  void on_puback(MqttClient&, mqtt::PacketId id, Clock::time_point now) override {
    if (id == retry_id_ && retry_id_ != 0) {  // a resume after a temporary resync
      retry_id_ = 0;
      return;
    }
    if (phase_ == Phase::probing && id == probe_id_) {
      // Answered without a resync: the user has no queue yet (epoch 0, head 0), and the device
      // streams from there.
      phase_ = Phase::idle;
      shared_.resumed.fetch_add(1);
      return;
    }
    if (phase_ == Phase::resuming && id == resume_id_) {
      phase_ = Phase::idle;
      shared_.resumed.fetch_add(1);
      return;
    }
    if (phase_ != Phase::sending) return;  // a create_thread's or the probe's
    const auto at = std::find_if(inflight_ids_.begin(), inflight_ids_.end(),
                                 [id](const auto& p) { return p.first == id; });
    if (at == inflight_ids_.end()) return fail("PUBACK of packet id " + std::to_string(id) + " not in flight");
    acked_index_[at->second.index] = true;
    const auto stamp = to_ns(at->second.stamp);
    if (stamp >= shared_.record_from_ns) ack_latencies_ns_.push_back(to_ns(now) - stamp);
    inflight_ids_.erase(at);
    --inflight_;
    shared_.acked.fetch_add(1);
    if (now >= shared_.window_from && now < shared_.stop_at) ++acked_in_window_;
    if (++acked_ == count_) shared_.senders_done.fetch_add(1);
    send_more(now);
  }

  void on_error(MqttClient&, const std::string& what) override { shared_.fail(what); }

  // Appends every send the window allows (closed loop), or every due one (open loop).
  // The caller flushes: the client does after each read, the pacer after each round.
  void send_due(Clock::time_point now) {
    if (phase_ != Phase::sending) return;
    if (now >= shared_.stop_at && count_ > sent_) {  // timed: the window is over
      count_ = sent_;
      if (acked_ == count_) shared_.senders_done.fetch_add(1);
      return;
    }
    while (inflight_ < window_ && sent_ < count_) {
      Clock::time_point stamp = now;
      if (options_.rate > 0) {
        stamp = due(sent_);
        if (stamp > now) break;
      }
      // hi: the due (or send) time; lo: who and which, so no two sends share a client id.
      const core::ClientMsgId cid{static_cast<std::uint64_t>(to_ns(stamp)),
                                  (user_.value() << 24) ^ sent_};
      if (sent_ >= kMaxSendIndex) return fail("more sends than a client id can number");
      const mqtt::PacketId id = next_id();
      template_->append(client_->output(), id, cid);
      inflight_ids_.emplace_back(id, InFlight{sent_, stamp});
      acked_index_.push_back(false);
      ++inflight_;
      ++sent_;
    }
  }
  std::optional<Clock::time_point> next_due() const {
    if (phase_ != Phase::sending || options_.rate <= 0 || sent_ >= count_ || inflight_ >= window_) {
      return std::nullopt;
    }
    return due(sent_);
  }

 private:
  enum class Phase { idle, creating, probing, resuming, sending };

  mqtt::PacketId next_id() {
    const mqtt::PacketId id = next_id_;
    next_id_ = next_id_ == 65535 ? 1 : next_id_ + 1;  // ids are non-zero (MQTT 5.0 §2.2.1)
    return id;
  }
  void send_more(Clock::time_point now);
  // This device's k-th send is send k * users + index overall.
  Clock::time_point due(std::uint64_t k) const {
    const double seconds = static_cast<double>(k * options_.users + index_) / options_.rate;
    return shared_.start + std::chrono::nanoseconds(std::llround(seconds * 1e9));
  }
  void on_batch(const wire::DeltaBatch& b, Clock::time_point now);
  void resume_now(core::Epoch epoch, core::Seq from, Clock::time_point now) {
    epoch_ = epoch;
    streamed_ = from;
    phase_ = Phase::resuming;
    resumed_at_ = now;
    resume_id_ = next_id();
    append_request(client_->output(), user_, resume_id_,
                   wire::Message{wire::ResumeRequest{epoch, from, 0}}, options_.version);
    if (until_ <= from && until_.value() != 0) mark_caught_up(now);
  }
  void resume_later(const wire::Resync& r);
  void mark_caught_up(Clock::time_point now) {
    if (caught_up_at_ != Clock::time_point{}) return;
    caught_up_at_ = now;
    shared_.receivers_done.fetch_add(1);
  }
  void fail(const std::string& what) { shared_.fail(client_->config().client_id + ": " + what); }

  Shared& shared_;
  Worker& worker_;
  const SyncOptions& options_;
  const std::size_t index_;
  const core::UserId user_;
  std::uint64_t count_;  // lowered to what was sent when a timed run's window ends
  MqttClient* client_ = nullptr;  // owned by the worker
  Device* peer_ = nullptr;
  Phase phase_ = Phase::idle;
  core::ThreadId thread_{0};
  core::Seq thread_seq_{0};  // the thread_created update's seq in this device's queue
  std::optional<SendTemplate> template_;
  std::uint16_t window_ = 1;
  std::uint16_t inflight_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t acked_ = 0;
  std::uint64_t delivered_ = 0;
  std::uint64_t expected_ = 0;
  std::uint64_t own_echoes_ = 0;
  std::uint64_t batches_ = 0;
  std::uint64_t acked_in_window_ = 0;
  std::uint64_t duplicates_ = 0;
  struct InFlight {
    std::uint64_t index;       // of the send
    Clock::time_point stamp;   // its due (or send) time
  };
  std::vector<std::pair<mqtt::PacketId, InFlight>> inflight_ids_;
  std::vector<std::int64_t> ack_latencies_ns_;  // recorded sends: due time to the PUBACK
  std::vector<bool> acked_index_;  // by send index
  std::vector<bool> seen_;         // the peer's sends received, by send index
  mqtt::PacketId next_id_ = 1;
  mqtt::PacketId resume_id_ = 0;
  mqtt::PacketId probe_id_ = 0;
  mqtt::PacketId retry_id_ = 0;
  core::Seq streamed_{0};  // the last seq received in this device's queue
  bool thread_seen_ = false;
  std::optional<core::Seq> resume_from_;
  core::Seq until_{0};
  core::Epoch epoch_{0};
  Clock::time_point resumed_at_{};
  Clock::time_point caught_up_at_{};
};

struct Worker {
  asio::io_context ctx{1};
  Pacer pacer{ctx};
  asio::steady_timer second{ctx};
  std::vector<std::unique_ptr<Device>> devices;
  std::vector<std::unique_ptr<MqttClient>> clients;  // destroyed before the devices
  std::vector<std::int64_t> latencies_ns;
  std::thread thread;

  void pace() { pacer.pace(devices, [this] { pace(); }); }
  void tick() {
    second.expires_after(std::chrono::seconds(1));
    second.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      for (auto& c : clients) c->on_second();
      tick();
    });
  }
};

void Device::send_more(Clock::time_point now) {
  send_due(now);
  if (const auto next = next_due()) worker_.pacer.arm(*next, [w = &worker_] { w->pace(); });
}

void Device::resume_later(const wire::Resync& r) {
  auto timer = std::make_shared<asio::steady_timer>(worker_.ctx);
  timer->expires_after(r.retry_after.value_or(std::chrono::milliseconds(100)));
  timer->async_wait([this, timer](const boost::system::error_code& ec) {
    if (ec) return;
    if (phase_ == Phase::probing) {  // the probe again
      probe_id_ = next_id();
      append_request(client_->output(), user_, probe_id_, wire::Message{wire::ResumeRequest{}}, options_.version);
    } else {
      retry_id_ = next_id();
      append_request(client_->output(), user_, retry_id_,
                     wire::Message{wire::ResumeRequest{epoch_, streamed_, 0}}, options_.version);
    }
    client_->flush();
  });
}

void Device::on_batch(const wire::DeltaBatch& b, Clock::time_point now) {
  ++batches_;
  const std::int64_t now_ns = to_ns(now);
  bool got = false;
  for (const auto& u : b.updates) {
    // Seqs already applied (a resume again after a temporary resync may overlap) are skipped,
    // as an app skips them.
    if (u.seq <= streamed_) continue;
    streamed_ = u.seq;
    if (std::holds_alternative<core::ThreadCreated>(u.body) && !thread_seen_) {
      thread_seen_ = true;
      shared_.threads_seen.fetch_add(1);
    }
    const auto* created = std::get_if<core::MessageCreated>(&u.body);
    if (!created) continue;
    if (u.actor == user_) {
      ++own_echoes_;
      continue;
    }
    got = true;
    ++delivered_;
    const std::uint64_t index = created->client_id.lo ^ (u.actor.value() << 24);
    if (index >= kMaxSendIndex) return fail("a message whose client id is not a benchmark send's");
    if (index >= seen_.size()) seen_.resize(index + 1, false);
    if (seen_[index]) {
      ++duplicates_;
    } else {
      seen_[index] = true;
      shared_.delivered_unique.fetch_add(1);
    }
    const auto stamp = static_cast<std::int64_t>(created->client_id.hi);
    if (stamp >= shared_.record_from_ns) worker_.latencies_ns.push_back(now_ns - stamp);
  }
  if (got) shared_.delivered_at(now_ns);
  if (expected_ != 0 && delivered_ == expected_) mark_caught_up(now);
  if (until_.value() != 0 && b.last_seq >= until_) mark_caught_up(now);
}

// The workers and their devices; stops and joins the threads when destroyed.
class Fleet {
 public:
  Fleet(const SyncOptions& o, Shared& shared) : o_(o), shared_(shared) {
    if (o.threads == 0) throw std::runtime_error("--threads must be positive");
    for (std::size_t t = 0; t < o.threads; ++t) workers_.push_back(std::make_unique<Worker>());
    signer_.emplace(o.secret);
  }
  ~Fleet() { stop(); }

  Worker& worker(std::size_t i) { return *workers_[i % workers_.size()]; }
  std::vector<std::unique_ptr<Worker>>& workers() { return workers_; }

  // A device of `user` on worker `w`, connected once the workers run (start()).
  // With connect = false, the caller starts its client later on the worker.
  Device& add(std::size_t w, std::size_t index, core::UserId user, std::uint64_t count,
              bool connect = true, std::optional<asio::ip::tcp::endpoint> broker = std::nullopt) {
    Worker& wk = worker(w);
    auto d = std::make_unique<Device>(shared_, wk, o_, index, user, count);
    ClientConfig c;
    c.broker = broker.value_or(o_.broker);
    c.version = o_.version;
    c.client_id = "bench-" + std::to_string(user.value());
    c.username = std::to_string(user.value());
    c.password = signer_->issue(net::TokenClaims{
        *c.username, c.client_id,
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) +
            std::chrono::hours(24)});
    wk.clients.push_back(std::make_unique<MqttClient>(wk.ctx, c, *d));
    d->attach(wk.clients.back().get());
    if (connect) asio::post(wk.ctx, [cl = wk.clients.back().get()] { cl->start(); });
    wk.devices.push_back(std::move(d));
    return *wk.devices.back();
  }

  void start() {
    for (auto& w : workers_) {
      Worker* wp = w.get();
      asio::post(wp->ctx, [wp] { wp->tick(); });
      w->thread = std::thread([wp] {
        auto guard = asio::make_work_guard(wp->ctx);
        wp->ctx.run();
      });
    }
  }
  void stop() {
    for (auto& w : workers_) w->ctx.stop();
    for (auto& w : workers_) {
      if (w->thread.joinable()) w->thread.join();
    }
  }
  // Runs fn(device) for each device, on the device's worker.
  void each(const std::function<void(Device&)>& fn) {
    for (auto& w : workers_) {
      for (auto& d : w->devices) {
        asio::post(w->ctx, [d = d.get(), fn] {
          fn(*d);
          d->client().flush();
        });
      }
    }
  }

 private:
  const SyncOptions& o_;
  Shared& shared_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::optional<net::TokenSigner> signer_;
};

Clock::time_point deadline_of(const SyncOptions& o) {
  return Clock::now() + std::chrono::milliseconds(std::llround(o.timeout_s * 1000));
}

}  // namespace

SyncSendsResult run_sync_sends(const SyncOptions& options) {
  SyncOptions o = options;
  if (!o.targets.empty()) o.users = o.targets.size();
  // A timed closed loop sends until its window ends: no count, no expected deliveries.
  const bool timed = o.rate <= 0 && o.seconds > 0;
  if (timed) o.messages = o.users * (kMaxSendIndex - 1);
  if (o.users < 2 || o.users % 2 != 0) throw std::runtime_error("--users: an even number >= 2");
  if (o.window == 0) throw std::runtime_error("--window must be positive");
  if (o.messages < o.users) throw std::runtime_error("need at least one send per user");
  if (o.messages / o.users >= kMaxSendIndex) throw std::runtime_error("more sends per user than a client id can number");
  const auto deadline = deadline_of(o);
  Shared shared;
  Fleet fleet(o, shared);
  std::vector<Device*> devices;
  std::vector<Device*> creators;
  for (std::size_t i = 0; i < o.users; ++i) {
    // Send k overall is user k % users's; both users of thread t = i / 2 on one worker.
    const std::uint64_t count = o.messages / o.users + (i < o.messages % o.users ? 1 : 0);
    if (o.targets.empty()) {
      devices.push_back(&fleet.add(i / 2, i, core::UserId{o.first_user + i}, count));
    } else {
      devices.push_back(&fleet.add(i / 2, i, o.targets[i].user, count, true, o.targets[i].broker));
    }
  }
  for (std::size_t i = 0; i < o.users; i += 2) {
    devices[i]->pair_with(devices[i + 1]);
    devices[i + 1]->pair_with(devices[i]);
    // Each device receives every send of the other participant.
    if (!timed) {
      devices[i]->expect(o.messages / o.users + (i + 1 < o.messages % o.users ? 1 : 0));
      devices[i + 1]->expect(o.messages / o.users + (i < o.messages % o.users ? 1 : 0));
    }
    creators.push_back(devices[i]);
  }
  for (auto& w : fleet.workers()) {
    const std::uint64_t share = o.messages / o.threads + 1;
    w->latencies_ns.reserve(o.rate > 0 ? share : std::min<std::uint64_t>(share, timed ? 1'000'000 : 4'000'000));
  }
  fleet.start();
  auto progress = [&] {
    std::uint64_t sent = 0, acked = 0, delivered = 0;
    for (auto& w : fleet.workers()) {
      for (auto& d : w->devices) sent += d->sent(), acked += d->acked(), delivered += d->delivered();
    }
    return " (" + std::to_string(shared.ready.load()) + " of " + std::to_string(o.users) + " devices connected, " +
           std::to_string(shared.created.load()) + " of " + std::to_string(creators.size()) + " threads created, " +
           std::to_string(shared.resumed.load()) + " resumed; " + std::to_string(sent) + " sends, " +
           std::to_string(acked) + " acked, " + std::to_string(delivered) + " delivered)";
  };
  try {
    wait_for(shared, deadline, "connecting", [&] { return shared.ready.load() == o.users; });
    // Every device streams before the threads are made, as an app does once connected (in a
    // cell, the other participant's thread_created then reaches a streaming device over the
    // server-to-server link).
    fleet.each([](Device& d) { d.resume(std::nullopt); });
    wait_for(shared, deadline, "resuming", [&] { return shared.resumed.load() == o.users; });
    for (std::size_t t = 0; t < creators.size(); ++t) {
      asio::post(fleet.worker(t).ctx, [c = creators[t]] { c->create_thread(); });
    }
    wait_for(shared, deadline, "creating threads", [&] { return shared.created.load() == creators.size(); });
    // A device sends once its own stream showed the thread, as an app does: in a cell the other
    // participant's server learns of the thread over the link, after the creator's answer.
    wait_for(shared, deadline, "seeing the threads", [&] { return shared.threads_seen.load() == o.users; });
    // Open loop starts a little ahead so every worker's pacer sees the first due times.
    shared.start = Clock::now() + std::chrono::milliseconds(o.rate > 0 ? 20 : 0);
    const bool warm = o.rate > 0 || timed;
    shared.record_from_ns = to_ns(shared.start) + static_cast<std::int64_t>(warm ? o.warmup_s * 1e9 : 0);
    if (timed) {
      shared.window_from = shared.start + std::chrono::nanoseconds(std::llround(o.warmup_s * 1e9));
      shared.stop_at = shared.window_from + std::chrono::nanoseconds(std::llround(o.seconds * 1e9));
    }
    for (auto& w : fleet.workers()) {
      Worker* wp = w.get();
      asio::post(wp->ctx, [wp, open = o.rate > 0] {
        const Clock::time_point now = Clock::now();
        for (auto& d : wp->devices) d->start_sending(now);
        if (open) return wp->pace();
        for (auto& d : wp->devices) d->client().flush();
      });
    }
    if (timed || o.rate > 0) {
      wait_for(shared, deadline, "waiting for PUBACKs", [&] { return shared.senders_done.load() == o.users; });
      // Every acknowledged send should reach the other device; what has not within the grace
      // period is counted lost below (a failure of the run, not of the driver).
      const auto grace = std::min(deadline, Clock::now() + std::chrono::milliseconds(std::llround(o.grace_s * 1000)));
      while (shared.delivered_unique.load() < shared.acked.load() && Clock::now() < grace && !shared.failed.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      if (shared.failed.load()) {
        std::lock_guard lock(shared.error_mutex);
        throw std::runtime_error(shared.error);
      }
    } else {
      wait_for(shared, deadline, "waiting for deliveries", [&] {
        return shared.receivers_done.load() == o.users && shared.senders_done.load() == o.users;
      });
    }
  } catch (const std::runtime_error& e) {
    fleet.stop();
    throw std::runtime_error(std::string(e.what()) + progress());
  }
  fleet.stop();
  SyncSendsResult r;
  for (auto& w : fleet.workers()) {
    for (auto& d : w->devices) {
      r.sent += d->sent();
      r.acked += d->acked();
      r.delivered += d->delivered();
      r.own_echoes += d->own_echoes();
      r.acked_in_window += d->acked_in_window();
      r.duplicates += d->duplicates();
      r.ack_latencies_ns.insert(r.ack_latencies_ns.end(), d->ack_latencies_ns().begin(), d->ack_latencies_ns().end());
    }
    r.latencies_ns.insert(r.latencies_ns.end(), w->latencies_ns.begin(), w->latencies_ns.end());
  }
  for (std::size_t i = 0; i < devices.size(); i += 2) {
    r.acked_lost += devices[i]->lost_at(*devices[i + 1]) + devices[i + 1]->lost_at(*devices[i]);
    if (!o.targets.empty() && o.targets[i].broker != o.targets[i + 1].broker) ++r.cross_pairs;
  }
  r.elapsed_s = static_cast<double>(shared.last_delivery_ns.load() - to_ns(shared.start)) / 1e9;
  return r;
}

SyncCatchupResult run_sync_catchup(const SyncOptions& o) {
  if (o.window == 0) throw std::runtime_error("--window must be positive");
  if (o.messages == 0) throw std::runtime_error("--backlog must be positive");
  if (o.repeats == 0) throw std::runtime_error("--repeat must be positive");
  const auto deadline = deadline_of(o);
  Shared shared;
  SyncOptions one = o;
  one.threads = 1;
  Fleet fleet(one, shared);
  const core::UserId a{o.first_user}, b{o.first_user + 1};
  Device& offline = fleet.add(0, 0, a, 0);
  Device& sender = fleet.add(0, 1, b, o.messages);
  // A's device again, once per catch-up, after the backlog is made (the same client id: each
  // is a new session that resumes from where A left).
  std::vector<Device*> back;
  for (std::size_t i = 0; i < o.repeats; ++i) back.push_back(&fleet.add(0, 2 + i, a, 0, false));
  offline.pair_with(&sender);
  sender.pair_with(&offline);
  fleet.start();
  Worker& w = fleet.worker(0);
  SyncCatchupResult r;
  wait_for(shared, deadline, "connecting", [&] { return shared.ready.load() == 2; });
  asio::post(w.ctx, [&] { offline.create_thread(); });
  wait_for(shared, deadline, "creating the thread", [&] { return shared.created.load() == 1; });
  // A's device goes offline; B makes the backlog, every send durable (acknowledged).
  const Clock::time_point fill_start = Clock::now();
  asio::post(w.ctx, [&] {
    offline.client().close();
    sender.start_sending(Clock::now());
    sender.client().flush();
  });
  wait_for(shared, deadline, "making the backlog", [&] { return shared.senders_done.load() == 1; });
  r.fill_s = std::chrono::duration<double>(Clock::now() - fill_start).count();
  // Every send appended one update to A's queue after the thread's creation.
  const core::Seq from = offline.thread_seq();
  const core::Seq until{from.value() + o.messages};
  r.backlog = o.messages;
  for (std::size_t i = 0; i < back.size(); ++i) {
    Device& d = *back[i];
    asio::post(w.ctx, [&d, prev = i == 0 ? nullptr : back[i - 1]] {
      if (prev) prev->client().close();
      d.client().start();
    });
    wait_for(shared, deadline, "reconnecting", [&] { return shared.ready.load() == 3 + i; });
    // The first learns the epoch from a resync; the others reuse it (full resyncs are
    // rate-limited per user).
    asio::post(w.ctx, [&d, from, until, prev = i == 0 ? nullptr : back[i - 1]] {
      d.resume(from, until, prev ? std::optional(prev->epoch()) : std::nullopt);
      d.client().flush();
    });
    wait_for(shared, deadline, "catching up", [&] { return shared.receivers_done.load() == 1 + i; });
    if (d.delivered() != o.messages) {
      throw std::runtime_error("caught up with " + std::to_string(d.delivered()) + " of " +
                               std::to_string(o.messages) + " messages");
    }
    r.batches = d.batches();
    r.catchup_s.push_back(std::chrono::duration<double>(d.caught_up_at() - d.resumed_at()).count());
  }
  fleet.stop();
  return r;
}

}  // namespace iris::bench
