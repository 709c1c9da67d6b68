#include "apps/iris-bench/bandwidth/bandwidth_replay.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>

#include "apps/iris-bench/bandwidth/https_link.h"
#include "apps/iris-bench/bandwidth/mqtt_link.h"
#include "net/token.h"
#include "wire/codec.h"
#include "wire/json_codec.h"
#include "wire/topics.h"

namespace iris::bench {

const char* to_string(ReplayMode mode) {
  switch (mode) {
    case ReplayMode::pull_json: return "pull_json";
    case ReplayMode::delta_json: return "delta_json";
    case ReplayMode::delta_thrift: return "delta_thrift";
  }
  return "?";
}

namespace {

using SteadyClock = std::chrono::steady_clock;

// Wakes the replay's waits whenever a packet was handled. Single-threaded: a condition is
// checked before each wait starts, so no wake-up is lost.
class Waker {
 public:
  explicit Waker(asio::io_context& ctx) : timer_(ctx) {}
  void poke() { timer_.cancel(); }
  // Waits until `done()` holds; false after `timeout`.
  asio::awaitable<bool> until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = SteadyClock::now() + timeout;
    while (!done()) {
      if (SteadyClock::now() >= deadline) co_return false;
      timer_.expires_at(deadline);
      boost::system::error_code ec;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return true;
  }

 private:
  asio::steady_timer timer_;
};

class Replay {
 public:
  Replay(const ChatWorkload& w, const ReplayOptions& o)
      : w_(w), o_(o), tls_(asio::ssl::context::tls_client), waker_(ctx_), signer_(o.secret) {
    // The suite's certificate is self-signed for loopback: encryption and framing are what
    // is measured here, not the chain.
    tls_.set_verify_mode(asio::ssl::verify_none);
    head_.assign(w.users, 0);
    thread_id_.assign(w.threads.size(), core::ThreadId{0});
    message_id_.assign(w.texts.size(), core::MessageId{0});
    devices_.resize(w.devices.size());
    for (std::uint32_t i = 0; i < w.devices.size(); ++i) {
      Device& d = devices_[i];
      d.index = i;
      d.user = w.devices[i].user;
      d.client_id = "u" + std::to_string(user_id(d.user)) + "-" + w.devices[i].name;
      d.token = signer_.issue({std::to_string(user_id(d.user)), d.client_id,
                               std::chrono::floor<std::chrono::seconds>(
                                   std::chrono::system_clock::now()) +
                                   std::chrono::hours(24 * 30)});
      devices_of_[d.user].push_back(i);
      if (o.tls_resume) d.tls_session = std::make_unique<TlsSession>();
      if (o.https) d.https = std::make_unique<HttpsLink>(ctx_, tls_, *o.https, d.tls_session.get());
    }
  }

  ReplayResult run() {
    std::exception_ptr failure;
    asio::co_spawn(ctx_, main(), [&](std::exception_ptr e) {
      failure = e;
      ctx_.stop();
    });
    ctx_.run();
    if (failure) std::rethrow_exception(failure);
    return std::move(result_);
  }

 private:
  struct Device {
    std::uint32_t index = 0;
    std::uint32_t user = 0;
    std::string client_id;
    std::string token;
    MqttLink* link = nullptr;  // owned by links_; null while offline
    // The state the device holds: where its copy of the queue stands.
    core::Epoch epoch{0};
    core::Seq seq{0};
    bool resumed = false;  // the server took its resume (PUBACK) and no resync followed
    std::uint16_t next_packet_id = 1;
    std::set<std::uint16_t> unacked;  // our request PUBLISHes not yet PUBACKed
    std::uint32_t pings_unanswered = 0;
    std::uint32_t round_trips = 0;  // since the last connect
    std::int64_t offline_since_ms = 0;
    // skip_own: seqs of its own requests' results on this connection past `seq`; a batch may
    // start after seq + 1 when every seq in between is one of them.
    std::set<core::Seq> own_results;
    // Simulated times of the last packet it sent and received on its MQTT connection: it
    // pings only when one direction was quiet for a keep-alive (MQTT 3.1.2.10; Paho's rule).
    std::int64_t last_out_ms = 0, last_in_ms = 0;
    // PUBACKs it holds (ReplayOptions::ack_delay_s) and when the oldest must leave.
    std::vector<std::uint16_t> held_acks;
    std::int64_t acks_due_ms = 0;
    // The TLS session its next connection resumes (null when resumption is off). Declared
    // before the links that use it, so it outlives them.
    std::unique_ptr<TlsSession> tls_session;
    std::int64_t ticket_at_ms = 0;  // simulated time of its newest ticket (a connect)
    SocketBytes counted;    // measured bytes of this device's finished MQTT connections
    SocketBytes baseline;   // the current MQTT connection's counters when measuring started
    // HTTPS (snapshots; the pull baseline's views), every connection it made.
    std::unique_ptr<HttpsLink> https;
    SocketBytes https_baseline;  // its counters when measuring started
    std::size_t https_connections_baseline = 0, https_resumed_baseline = 0;
    // Pull baseline: notifies received since connecting and the user's head then (one
    // notify per update appended to the user's queue), notifies its own requests will cause
    // per thread, and conversations to fetch (the first one is being fetched).
    bool subscribed = false;
    bool fetched_inbox = false;
    std::uint64_t notified = 0;
    std::uint64_t head_at_connect = 0;
    std::map<std::uint64_t, std::uint32_t> own_notifies;
    std::deque<std::uint64_t> to_fetch;
    bool fetching = false;
  };

  static std::uint64_t user_id(std::uint32_t user) { return user + 1; }
  std::string topic(const Device& d, wire::UserTopic leaf) const {
    return wire::user_topic(core::UserId{user_id(d.user)}, leaf);
  }
  bool json() const { return o_.mode != ReplayMode::delta_thrift; }
  bool pull() const { return o_.mode == ReplayMode::pull_json; }
  std::string encode(const wire::Message& m) const {
    return json() ? wire::encode_json(m) : wire::encode(m);
  }
  std::chrono::milliseconds step_timeout() const {
    return std::chrono::milliseconds(static_cast<std::int64_t>(o_.step_timeout_s * 1000));
  }

  std::uint16_t publish(Device& d, const wire::Message& m) {
    mqtt::Publish p;
    p.qos = mqtt::QoS::at_least_once;
    p.topic = topic(d, wire::UserTopic::sync);
    p.packet_id = d.next_packet_id++;
    if (d.next_packet_id == 0) d.next_packet_id = 1;
    p.payload = mqtt::Payload(encode(m));
    const auto id = p.packet_id;
    d.unacked.insert(id);
    send(d, "up.request", {mqtt::Packet(std::move(p))});
    return id;
  }

  mqtt::Publish resume_publish(Device& d) {
    mqtt::Publish p;
    p.qos = mqtt::QoS::at_least_once;
    p.topic = topic(d, wire::UserTopic::sync);
    p.packet_id = d.next_packet_id++;
    if (d.next_packet_id == 0) d.next_packet_id = 1;
    p.payload = mqtt::Payload(
        encode(wire::Message{wire::ResumeRequest{d.epoch, d.seq, 0, o_.skip_own}}));
    d.unacked.insert(p.packet_id);
    resume_id_[d.index] = p.packet_id;
    d.resumed = false;
    ++d.round_trips;
    return p;
  }

  Result<wire::Message> decode(std::string_view payload) const {
    if (!payload.empty() && payload.front() == '{') return wire::decode_json<wire::Message>(payload);
    return wire::decode<wire::Message>(payload);
  }

  void fail(std::string what) {
    if (error_.empty()) error_ = std::move(what);
    waker_.poke();
  }

  // Adds MQTT bytes (`dir.kind`) to the breakdown while measuring.
  void count(const std::string& what, std::size_t bytes) {
    if (measuring_) result_.mqtt_bytes[what] += bytes;
  }

  // Writes `packets` on `d`'s connection at the current simulated time and counts their bytes
  // as `what`. Acknowledgements the device holds leave first, in the same write.
  void send(Device& d, const std::string& what, std::initializer_list<mqtt::Packet> packets) {
    d.last_out_ms = now_ms_;
    std::vector<mqtt::Packet> all;
    for (auto id : d.held_acks) {
      mqtt::PubAck ack;
      ack.packet_id = id;
      all.emplace_back(ack);
    }
    const std::size_t acks = all.size();
    d.held_acks.clear();
    all.insert(all.end(), packets.begin(), packets.end());
    const auto sizes = d.link->send(all);
    for (std::size_t i = 0; i < sizes.size(); ++i) count(i < acks ? "up.puback" : what, sizes[i]);
  }

  // The PUBACK of a delta batch or notify, once applied: held up to ack_delay_s.
  void acknowledge(Device& d, std::uint16_t packet_id) {
    if (o_.ack_delay_s <= 0) {
      mqtt::PubAck ack;
      ack.packet_id = packet_id;
      send(d, "up.puback", {mqtt::Packet(ack)});
      return;
    }
    if (d.held_acks.empty()) d.acks_due_ms = now_ms_ + static_cast<std::int64_t>(o_.ack_delay_s * 1000);
    d.held_acks.push_back(packet_id);
    if (d.held_acks.size() >= ReplayOptions::kHeldAcks) send(d, "up.puback", {});
  }

  // Held acknowledgements due up to `now_ms` leave on their own.
  void release_acks_until(std::int64_t now_ms) {
    for (Device& d : devices_) {
      if (!d.link || d.held_acks.empty() || d.acks_due_ms > now_ms) continue;
      now_ms_ = d.acks_due_ms;
      send(d, "up.puback", {});
    }
    now_ms_ = now_ms;
  }

  void on_packet(Device& d, mqtt::Packet& packet, std::size_t wire_bytes) {
    waker_.poke();
    // (A PINGRESP answers a ping sent at its own simulated time: ping_until() set that.)
    if (!std::holds_alternative<mqtt::PingResp>(packet)) d.last_in_ms = now_ms_;
    if (auto* p = std::get_if<mqtt::Publish>(&packet)) {
      if (wire::user_of_topic(p->topic, wire::UserTopic::notify)) {
        count("down.notify", wire_bytes);
        on_notify(d, p->payload.view());
      } else {
        auto message = decode(p->payload.view());
        if (!message) return fail(d.client_id + ": undecodable payload on " + p->topic);
        count("down." + std::string(wire::member_name(*message)), wire_bytes);
        on_message(d, *message);
      }
      // Acknowledged after it was applied: the PUBACK of a delta batch moves the cursor.
      if (p->qos == mqtt::QoS::at_least_once) acknowledge(d, p->packet_id);
    } else if (auto* ack = std::get_if<mqtt::PubAck>(&packet)) {
      count("down.puback", wire_bytes);
      if (static_cast<std::uint8_t>(ack->reason) >= 0x80) {
        fail(d.client_id + ": request refused, reason " +
             std::string(mqtt::to_string(ack->reason)));
      }
      d.unacked.erase(ack->packet_id);
      if (auto it = resume_id_.find(d.index); it != resume_id_.end() && it->second == ack->packet_id) {
        d.resumed = true;
      }
    } else if (std::holds_alternative<mqtt::PingResp>(packet)) {
      count("down.pingresp", wire_bytes);
      if (d.pings_unanswered > 0) --d.pings_unanswered;
    } else if (auto* sub = std::get_if<mqtt::Suback>(&packet)) {
      count("down.suback", wire_bytes);
      for (auto r : sub->reasons) {
        if (static_cast<std::uint8_t>(r) >= 0x80) fail(d.client_id + ": SUBACK refused");
      }
      d.subscribed = true;
    } else {
      fail(d.client_id + ": unexpected packet type " +
           std::to_string(static_cast<int>(mqtt::packet_type(packet))));
    }
  }

  // A message on the deltas or responses topic.
  void on_message(Device& d, const wire::Message& message) {
    if (auto* batch = std::get_if<wire::DeltaBatch>(&message)) {
      // A device with nothing (epoch 0, seq 0) takes the queue's epoch from its first batch:
      // irisd streams a young queue from its start instead of answering a resync.
      if (d.epoch == core::Epoch{0} && d.seq == core::Seq{0}) d.epoch = batch->epoch;
      if (batch->epoch != d.epoch || !follows(d, batch->first_seq)) {
        return fail(d.client_id + ": gap: batch " + std::to_string(batch->first_seq.value()) + ".." +
                    std::to_string(batch->last_seq.value()) + " after seq " +
                    std::to_string(d.seq.value()));
      }
      d.seq = batch->last_seq;
      d.own_results.erase(d.own_results.begin(), d.own_results.upper_bound(d.seq));
    } else if (auto* resync = std::get_if<wire::Resync>(&message)) {
      // A device without state (epoch 0) is told the epoch and starts from seq 0; anything
      // else would mean the server lost or trimmed data the workload never asked it to.
      if (resync->reason != wire::ResyncReason::epoch_changed || d.epoch != core::Epoch{0}) {
        return fail(d.client_id + ": unexpected resync, reason " +
                    std::to_string(static_cast<int>(resync->reason)));
      }
      d.epoch = resync->epoch;
      d.seq = core::Seq{0};
      send(d, "up.resume", {mqtt::Packet(resume_publish(d))});
    } else if (auto* result = std::get_if<wire::SendResult>(&message)) {
      results_[result->client_id] = *result;
      if (o_.skip_own && !pull() && result->seq > d.seq) d.own_results.insert(result->seq);
    } else if (auto* error = std::get_if<wire::Error>(&message)) {
      fail(d.client_id + ": error " + std::to_string(static_cast<int>(error->code)) + ": " +
           error->text);
    }
    // Heartbeats need nothing: the replay knows when a device is current.
  }

  // Whether a batch starting at `first` continues what `d` holds: it starts at seq + 1, or
  // (skip_own) every seq before it is one whose result the device has.
  static bool follows(const Device& d, core::Seq first) {
    core::Seq at = core::next(d.seq);
    for (auto it = d.own_results.begin(); at < first && it != d.own_results.end() && *it == at; ++it) {
      at = core::next(at);
    }
    return at == first;
  }

  // The value of "key":"decimal" in a notify (sync/baseline_view.h), or nullopt.
  static std::optional<std::uint64_t> notify_field(std::string_view json, std::string_view key) {
    const std::string pattern = "\"" + std::string(key) + "\":\"";
    const auto at = json.find(pattern);
    if (at == std::string_view::npos) return std::nullopt;
    std::uint64_t v = 0;
    std::size_t i = at + pattern.size();
    if (i >= json.size() || json[i] == '"') return std::nullopt;
    for (; i < json.size() && json[i] != '"'; ++i) {
      if (json[i] < '0' || json[i] > '9') return std::nullopt;
      v = v * 10 + static_cast<std::uint64_t>(json[i] - '0');
    }
    return v;
  }

  // Pull baseline: "thread T changed" -> fetch T's view, unless this device's own request
  // caused it (it knows the change: it made it), or a fetch of T is already queued.
  void on_notify(Device& d, std::string_view payload) {
    const auto thread = notify_field(payload, "thread");
    const auto actor = notify_field(payload, "actor");
    if (!thread || !actor) return fail(d.client_id + ": malformed notify " + std::string(payload));
    ++d.notified;
    if (*actor == user_id(d.user)) {
      if (auto it = d.own_notifies.find(*thread); it != d.own_notifies.end() && it->second > 0) {
        --it->second;
        return;
      }
    }
    if (std::find(d.to_fetch.begin() + (d.fetching ? 1 : 0), d.to_fetch.end(), *thread) ==
        d.to_fetch.end()) {
      d.to_fetch.push_back(*thread);
    }
    if (!d.fetching) {
      d.fetching = true;
      asio::co_spawn(ctx_, fetch_views(d), [this, &d](std::exception_ptr e) {
        d.fetching = false;
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& x) {
            fail(d.client_id + ": " + x.what());
          }
        }
        waker_.poke();
      });
    }
  }

  asio::awaitable<void> fetch_views(Device& d) {
    while (!d.to_fetch.empty()) {
      const std::uint64_t thread = d.to_fetch.front();
      const auto r = co_await d.https->get("/v1/baseline/threads/" + std::to_string(thread),
                                           d.token, "application/json");
      if (r.status != 200) {
        throw std::runtime_error("GET /v1/baseline/threads/" + std::to_string(thread) + ": HTTP " +
                                 std::to_string(r.status));
      }
      auto view = wire::decode_json<wire::Message>(r.body);
      if (!view || !std::holds_alternative<wire::Snapshot>(*view)) {
        throw std::runtime_error("undecodable conversation view");
      }
      ++result_.fetches;
      d.to_fetch.pop_front();
    }
  }

  // The inbox: GET /v1/snapshot in the mode's encoding (sets the device's (epoch, seq)), or
  // for the pull baseline its JSON inbox view.
  asio::awaitable<void> fetch_snapshot(Device& d) {
    ++d.round_trips;
    const std::string target = pull() ? "/v1/baseline/inbox" : "/v1/snapshot";
    const auto r = co_await d.https->get(target, d.token,
                                         json() ? "application/json" : "application/x-thrift");
    if (r.status != 200) throw std::runtime_error("GET " + target + ": HTTP " + std::to_string(r.status));
    auto m = decode(r.body);
    if (!m || !std::holds_alternative<wire::Snapshot>(*m)) {
      throw std::runtime_error("undecodable snapshot (" + r.content_type + ")");
    }
    const auto& snap = std::get<wire::Snapshot>(*m);
    d.epoch = snap.epoch;
    d.seq = snap.seq;
    d.fetched_inbox = true;
    ++result_.fetches;
  }

  bool current(const Device& d) const {
    if (!d.link) return true;
    if (!d.unacked.empty() || d.pings_unanswered != 0) return false;
    if (pull()) {
      return d.subscribed && d.fetched_inbox && !d.fetching && d.to_fetch.empty() &&
             d.notified == head_[d.user] - d.head_at_connect;
    }
    return d.resumed && follows(d, core::Seq{head_[d.user] + 1});
  }

  asio::awaitable<void> wait(const std::function<bool()>& done, const std::string& what) {
    const bool ok = co_await waker_.until([&] { return !error_.empty() || done(); }, step_timeout());
    if (!error_.empty()) throw std::runtime_error(error_);
    if (!ok) throw std::runtime_error("timed out waiting for " + what);
  }

  asio::awaitable<void> wait_users_current(const std::vector<std::uint32_t>& users) {
    co_await wait(
        [&] {
          for (auto u : users) {
            for (auto i : devices_of_[u]) {
              if (!current(devices_[i])) return false;
            }
          }
          return true;
        },
        "devices to be current");
  }

  // Connects `d` and catches it up from the state it holds (none when `cold`).
  asio::awaitable<void> bring_online(Device& d, bool cold, std::int64_t now_ms) {
    const auto started = SteadyClock::now();
    const SocketBytes https_before = d.https ? d.https->bytes() : SocketBytes{};
    if (cold) {
      d.epoch = core::Epoch{0};
      d.seq = core::Seq{0};
    }
    if (d.tls_session && (cold || now_ms - d.ticket_at_ms > o_.tls_session_lifetime_s * 1000)) {
      d.tls_session->forget();  // a fresh install, or the ticket expired while it was away
    }
    auto link = std::make_unique<MqttLink>(ctx_, tls_, nullptr, nullptr, d.tls_session.get());
    link->tls().count_records(&mqtt_records_);
    MqttLink* raw = link.get();
    // Packets still buffered on a link the device dropped are not the device's any more.
    link->set_handlers([this, &d, raw](mqtt::Packet& p, std::size_t n) {
                         if (d.link == raw) on_packet(d, p, n);
                       },
                       [this, &d, raw](const std::string& why) {
                         if (d.link == raw) fail(d.client_id + ": connection lost: " + why);
                       });
    d.link = link.get();
    links_.push_back(std::move(link));
    d.unacked.clear();
    d.own_results.clear();  // a resume streams everything after seq again
    d.held_acks.clear();
    d.pings_unanswered = 0;
    d.round_trips = 0;
    mqtt::Connect c;
    c.clean_start = true;
    c.keep_alive = o_.keep_alive_s;
    c.client_id = d.client_id;
    c.username = std::to_string(user_id(d.user));
    c.password = d.token;
    co_await d.link->connect(o_.mqtts, std::move(c), o_.topic_aliases);
    d.ticket_at_ms = now_ms;
    if (measuring_) {
      d.baseline = {};  // a new connection: every byte of it counts
      result_.connect_bytes += d.link->tls().bytes().total();
      ++result_.connections;
      if (d.link->tls().resumed()) ++result_.resumed;
    }
    d.last_out_ms = d.last_in_ms = now_ms;
    d.subscribed = false;
    d.fetched_inbox = false;
    d.notified = 0;
    d.head_at_connect = head_[d.user];
    d.own_notifies.clear();
    d.to_fetch.clear();
    mqtt::Subscribe s;
    s.packet_id = d.next_packet_id++;
    for (auto leaf : {pull() ? wire::UserTopic::notify : wire::UserTopic::deltas, wire::UserTopic::responses}) {
      mqtt::Subscription sub;
      sub.filter = topic(d, leaf);
      sub.options.max_qos = mqtt::QoS::at_least_once;
      s.subscriptions.push_back(std::move(sub));
    }
    if (pull()) {
      // The app opens: listen for changes and, meanwhile, load the inbox (every
      // conversation's current view), the one request it must wait for.
      send(d, "up.subscribe", {mqtt::Packet(std::move(s))});
      co_await fetch_snapshot(d);
    } else if (cold && d.https) {
      // No local state: the snapshot, then deltas from its position.
      co_await fetch_snapshot(d);
      send(d, "up.subscribe+resume", {mqtt::Packet(std::move(s)), mqtt::Packet(resume_publish(d))});
    } else {
      // SUBSCRIBE and the resume leave in one write: one round trip to be current.
      send(d, "up.subscribe+resume", {mqtt::Packet(std::move(s)), mqtt::Packet(resume_publish(d))});
    }
    co_await wait([&] { return current(d); }, d.client_id + " to catch up");
    if (measuring_) {
      CatchUp c2;
      c2.offline_ms = now_ms - d.offline_since_ms;
      c2.cold = cold;
      c2.round_trips = d.round_trips;
      c2.wall_ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count();
      c2.bytes = d.link->tls().bytes().total() +
                 (d.https ? (d.https->bytes() - https_before).total() : 0);
      result_.catch_ups.push_back(c2);
    }
  }

  void take_offline(Device& d, std::int64_t now_ms) {
    if (!d.link) return;
    if (measuring_) d.counted += d.link->tls().bytes() - d.baseline;
    d.baseline = {};
    d.link->drop();
    d.link = nullptr;
    if (d.https) d.https->drop();
    d.resumed = false;
    d.offline_since_ms = now_ms;
  }

  // Keep-alives due up to `now_ms` of simulated time: a device pings once it has sent or
  // received nothing for a keep-alive (its PINGRESP is the packet received).
  void ping_until(std::int64_t now_ms) {
    const std::int64_t keep_alive_ms = o_.keep_alive_s * 1000;
    for (Device& d : devices_) {
      if (!d.link) continue;
      for (;;) {
        const std::int64_t due = std::min(d.last_out_ms, d.last_in_ms) + keep_alive_ms;
        if (due > now_ms) break;
        now_ms_ = due;
        send(d, "up.pingreq", {mqtt::Packet(mqtt::PingReq{})});
        d.last_in_ms = due;
        ++d.pings_unanswered;
        ++result_.pings;
      }
    }
    now_ms_ = now_ms;
  }

  core::ClientMsgId next_client_id() { return core::ClientMsgId{0xB0B0, ++client_seq_}; }

  asio::awaitable<wire::SendResult> request(Device& d, const wire::Message& m,
                                            core::ClientMsgId cid) {
    if (const auto* send = std::get_if<wire::SendRequest>(&m)) ++d.own_notifies[send->thread.value()];
    publish(d, m);
    co_await wait([&] { return results_.count(cid) > 0 && d.unacked.empty(); },
                  d.client_id + "'s request to complete");
    auto r = results_.at(cid);
    results_.erase(cid);
    co_return r;
  }

  asio::awaitable<void> setup() {
    for (Device& d : devices_) co_await bring_online(d, true, 0);
    for (std::uint32_t t = 0; t < w_.threads.size(); ++t) {
      const WorkloadThread& th = w_.threads[t];
      Device& creator = devices_[devices_of_[th.participants[0]].front()];
      wire::CreateThreadRequest req;
      req.client_id = next_client_id();
      req.name = th.name;
      for (std::size_t i = 1; i < th.participants.size(); ++i) {
        req.participants.push_back(core::UserId{user_id(th.participants[i])});
      }
      const auto r = co_await request(creator, wire::Message{req}, req.client_id);
      thread_id_[t] = r.thread;
      for (auto u : th.participants) ++head_[u];
    }
    std::vector<std::uint32_t> everyone(w_.users);
    for (std::uint32_t u = 0; u < w_.users; ++u) everyone[u] = u;
    co_await wait_users_current(everyone);
    for (Device& d : devices_) {
      if (!w_.devices[d.index].online_at_start) take_offline(d, 0);
    }
    measuring_ = true;
    records_at_start_ = mqtt_records_;
    for (Device& d : devices_) {
      if (d.link) d.baseline = d.link->tls().bytes();
      if (d.https) {
        d.https_baseline = d.https->bytes();
        d.https_connections_baseline = d.https->connections();
        d.https_resumed_baseline = d.https->resumed();
      }
    }
  }

  asio::awaitable<void> main() {
    if (pull() && !o_.https) throw std::runtime_error("pull_json needs irisd's HTTPS port");
    co_await setup();
    for (const WorkloadEvent& e : w_.events) {
      release_acks_until(e.at_ms);
      ping_until(e.at_ms);
      Device& d = devices_[e.device];
      switch (e.kind) {
        case EventKind::go_offline:
          take_offline(d, e.at_ms);
          break;
        case EventKind::go_online:
        case EventKind::cold_start:
          ++(e.kind == EventKind::cold_start ? result_.cold_starts : result_.reconnects);
          co_await bring_online(d, e.kind == EventKind::cold_start, e.at_ms);
          break;
        case EventKind::send: {
          wire::SendRequest req;
          req.client_id = next_client_id();
          req.thread = thread_id_[e.thread];
          req.body = w_.texts[e.message];
          const auto r = co_await request(d, wire::Message{req}, req.client_id);
          if (!r.message) throw std::runtime_error("send_result without a message id");
          message_id_[e.message] = *r.message;
          for (auto u : w_.threads[e.thread].participants) ++head_[u];
          ++result_.sends;
          break;
        }
        case EventKind::read: {
          ++d.own_notifies[thread_id_[e.thread].value()];
          publish(d, wire::Message{wire::ReadRequest{thread_id_[e.thread], message_id_[e.message]}});
          co_await wait([&] { return d.unacked.empty(); }, d.client_id + "'s read receipt");
          for (auto u : w_.threads[e.thread].participants) ++head_[u];
          ++result_.reads;
          break;
        }
      }
      if (e.kind == EventKind::send || e.kind == EventKind::read) {
        co_await wait_users_current(w_.threads[e.thread].participants);
      }
      co_await wait([&] { return std::all_of(devices_.begin(), devices_.end(), [&](const Device& x) {
                      return x.pings_unanswered == 0 || !x.link;
                    }); },
                    "PINGRESPs");
    }
    release_acks_until(w_.end_ms);
    ping_until(w_.end_ms);
    std::vector<std::uint32_t> everyone(w_.users);
    for (std::uint32_t u = 0; u < w_.users; ++u) everyone[u] = u;
    co_await wait_users_current(everyone);
    // Let the last acknowledgements leave before reading the counters.
    asio::steady_timer settle(ctx_, std::chrono::milliseconds(50));
    co_await settle.async_wait(asio::use_awaitable);
    for (Device& d : devices_) {
      take_offline(d, w_.end_ms);
      result_.bytes += d.counted;
      if (d.https) {
        result_.bytes += d.https->bytes() - d.https_baseline;
        result_.https_connections += d.https->connections() - d.https_connections_baseline;
        result_.https_resumed += d.https->resumed() - d.https_resumed_baseline;
      }
    }
    result_.mqtt_records = {mqtt_records_.sent - records_at_start_.sent,
                            mqtt_records_.received - records_at_start_.received};
    result_.devices = devices_.size();
    result_.days = static_cast<double>(w_.end_ms) / 86'400'000.0;
  }

  const ChatWorkload& w_;
  const ReplayOptions& o_;
  asio::io_context ctx_;
  asio::ssl::context tls_;
  Waker waker_;
  net::TokenSigner signer_;
  std::vector<Device> devices_;
  std::map<std::uint32_t, std::vector<std::uint32_t>> devices_of_;
  // Dropped links stay here until the io_context is gone (their reader may be finishing).
  std::vector<std::unique_ptr<MqttLink>> links_;
  std::vector<std::uint64_t> head_;  // per user: updates appended to its queue so far
  std::vector<core::ThreadId> thread_id_;
  std::vector<core::MessageId> message_id_;
  std::map<std::uint32_t, std::uint16_t> resume_id_;  // device -> packet id of its resume
  std::map<core::ClientMsgId, wire::SendResult> results_;
  std::uint64_t client_seq_ = 0;
  bool measuring_ = false;
  std::int64_t now_ms_ = 0;
  // TLS records of every MQTT connection, and their count when measuring started.
  TlsRecords mqtt_records_, records_at_start_;  // simulated time of the event being replayed
  std::string error_;
  ReplayResult result_;
};

}  // namespace

ReplayResult run_bandwidth_replay(const ChatWorkload& workload, const ReplayOptions& options) {
  Replay replay(workload, options);
  return replay.run();
}

}  // namespace iris::bench
