#include "apps/iris-bench/pairs_workload.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <cmath>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <unistd.h>

#include "apps/iris-bench/pacer.h"
#include "apps/iris-bench/publish_template.h"
#include "apps/iris-bench/run_state.h"

namespace iris::bench {
namespace {

// What the main thread and the workers share (run_state.h), and the subscribers done.
struct Shared : RunState {
  std::atomic<std::size_t> subscribers_done{0};
};

class Publisher;

struct Worker {
  asio::io_context ctx{1};
  Pacer pacer{ctx};
  asio::steady_timer second{ctx};
  std::vector<std::unique_ptr<Publisher>> publishers;
  std::vector<std::unique_ptr<ClientHandler>> subscribers;  // reference publishers
  // Destroyed before the handlers above, which they reference.
  std::vector<std::unique_ptr<MqttClient>> clients;
  std::vector<std::int64_t> latencies_ns;
  std::thread thread;

  void pace();
  void tick() {
    second.expires_after(std::chrono::seconds(1));
    second.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      for (auto& c : clients) c->on_second();
      tick();
    });
  }
};

class Publisher final : public ClientHandler {
 public:
  // `shared`, `worker` and `options` must outlive the publisher.
  Publisher(Shared& shared, Worker& worker, const PairsOptions& options, std::size_t index,
            std::uint64_t count)
      : shared_(shared),
        worker_(worker),
        options_(options),
        index_(index),
        count_(count),
        template_(options.topic_prefix + std::to_string(index), options.payload,
                  mqtt::QoS::at_least_once, options.version) {}

  void attach(MqttClient* client) { client_ = client; }
  MqttClient& client() { return *client_; }
  std::uint16_t window() const { return window_; }
  std::uint64_t sent() const { return sent_; }
  std::uint64_t acked() const { return acked_; }

  void on_ready(MqttClient& c) override {
    window_ = std::min(options_.window, c.receive_maximum());
    shared_.ready.fetch_add(1);
  }
  void on_puback(MqttClient&, mqtt::PacketId, Clock::time_point now) override {
    --inflight_;
    ++acked_;
    send_more(now);
  }
  // Called by this pair's subscriber, on the same thread; the subscriber flushes.
  void on_delivered(Clock::time_point now) {
    ++delivered_;
    send_more(now);
  }
  void on_error(MqttClient&, const std::string& what) override { shared_.fail(what); }

  // Appends every publish the window allows (closed loop), or every due one (open loop).
  // The caller flushes: on_read does after each read, the pacer after each round.
  void send_due(Clock::time_point now) {
    while (has_room() && sent_ < count_) {
      Clock::time_point stamp = now;
      if (options_.rate > 0) {
        stamp = due(sent_);
        if (stamp > now) break;
      }
      template_.append(client_->output(), next_id_, to_ns(stamp));
      next_id_ = next_id_ == 65535 ? 1 : next_id_ + 1;  // ids are non-zero (MQTT 5.0 §2.2.1)
      ++inflight_;
      ++sent_;
    }
  }
  // Open loop: when the next publish is due, if the window has room for it.
  std::optional<Clock::time_point> next_due() const {
    if (options_.rate <= 0 || sent_ >= count_ || !has_room()) return std::nullopt;
    return due(sent_);
  }

 private:
  // Both windows: unacked by the broker (its Receive Maximum) and not yet delivered to the
  // subscriber. The second bounds the broker's queue for the subscriber, so no broker
  // drops messages for a full queue (Mosquitto's and irisd's max_queued_messages).
  bool has_room() const {
    return inflight_ < window_ && sent_ - delivered_ < options_.window;
  }
  void send_more(Clock::time_point now) {
    send_due(now);
    if (const auto next = next_due()) worker_.pacer.arm(*next, [w = &worker_] { w->pace(); });
  }

  // This publisher's k-th message is message k * pairs + index overall.
  Clock::time_point due(std::uint64_t k) const {
    const double seconds = static_cast<double>(k * options_.pairs + index_) / options_.rate;
    return shared_.start + std::chrono::nanoseconds(std::llround(seconds * 1e9));
  }

  Shared& shared_;
  Worker& worker_;
  const PairsOptions& options_;
  const std::size_t index_;
  const std::uint64_t count_;
  const PublishTemplate template_;
  MqttClient* client_ = nullptr;  // owned by worker_.clients
  std::uint16_t window_ = 0;
  std::uint16_t inflight_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t acked_ = 0;
  std::uint64_t delivered_ = 0;
  mqtt::PacketId next_id_ = 1;
};

class Subscriber final : public ClientHandler {
 public:
  // `shared`, `latencies` and `publisher` (this pair's, on the same worker) must outlive
  // the subscriber.
  Subscriber(Shared& shared, std::vector<std::int64_t>& latencies, Publisher& publisher,
             std::uint64_t expected)
      : shared_(shared), latencies_(latencies), publisher_(publisher), expected_(expected) {}

  std::uint64_t received() const { return received_; }
  std::uint64_t expected() const { return expected_; }

  void on_ready(MqttClient&) override { shared_.ready.fetch_add(1); }
  void on_publish(MqttClient&, std::span<const std::uint8_t> payload,
                  Clock::time_point now) override {
    const std::int64_t now_ns = to_ns(now);
    const std::int64_t stamp = read_stamp(payload);
    if (stamp >= shared_.record_from_ns) latencies_.push_back(now_ns - stamp);
    publisher_.on_delivered(now);
    if (++received_ != expected_) return;
    shared_.subscribers_done.fetch_add(1);
    shared_.delivered_at(now_ns);
  }
  void on_read_done(MqttClient&) override { publisher_.client().flush(); }
  void on_error(MqttClient&, const std::string& what) override { shared_.fail(what); }

 private:
  Shared& shared_;
  std::vector<std::int64_t>& latencies_;
  Publisher& publisher_;
  const std::uint64_t expected_;
  std::uint64_t received_ = 0;
};

void Worker::pace() {
  pacer.pace(publishers, [this] { pace(); });
}

}  // namespace

PairsResult run_pairs(const PairsOptions& o) {
  if (o.pairs == 0 || o.threads == 0 || o.window == 0) {
    throw std::runtime_error("--pairs, --threads and --window must be positive");
  }
  if (o.messages < o.pairs) throw std::runtime_error("need at least one message per pair");
  const Clock::time_point deadline =
      Clock::now() + std::chrono::milliseconds(std::llround(o.timeout_s * 1000));
  Shared shared;
  std::vector<std::unique_ptr<Worker>> workers;
  for (std::size_t t = 0; t < o.threads; ++t) workers.push_back(std::make_unique<Worker>());

  const std::string run_id = std::to_string(::getpid());
  std::vector<Subscriber*> subscribers;
  std::vector<MqttClient*> publisher_clients;
  for (std::size_t i = 0; i < o.pairs; ++i) {
    // Message k overall goes to pair k % pairs, in both modes.
    const std::uint64_t count = o.messages / o.pairs + (i < o.messages % o.pairs ? 1 : 0);
    ClientConfig base;
    base.broker = o.broker;
    base.version = o.version;
    base.username = o.username;
    base.password = o.password;
    // Both ends of a pair on one worker: the subscriber opens its publisher's window directly.
    Worker& w = *workers[i % o.threads];
    auto pub = std::make_unique<Publisher>(shared, w, o, i, count);
    auto sub = std::make_unique<Subscriber>(shared, w.latencies_ns, *pub, count);
    ClientConfig sc = base;
    sc.client_id = "ib-" + run_id + "-s" + std::to_string(i);
    sc.subscribe_filter = o.topic_prefix + std::to_string(i);
    sc.receive_maximum = o.window;
    w.clients.push_back(std::make_unique<MqttClient>(w.ctx, sc, *sub));
    subscribers.push_back(sub.get());
    asio::post(w.ctx, [c = w.clients.back().get()] { c->start(); });
    w.subscribers.push_back(std::move(sub));

    ClientConfig pc = base;
    pc.client_id = "ib-" + run_id + "-p" + std::to_string(i);
    w.clients.push_back(std::make_unique<MqttClient>(w.ctx, pc, *pub));
    pub->attach(w.clients.back().get());
    publisher_clients.push_back(w.clients.back().get());
    w.publishers.push_back(std::move(pub));
  }
  for (auto& w : workers) {
    const std::uint64_t share = o.messages / o.threads + 1;
    w->latencies_ns.reserve(o.rate > 0 ? share : std::min<std::uint64_t>(share, 4'000'000));
  }
  for (auto& w : workers) {
    Worker* wp = w.get();
    asio::post(wp->ctx, [wp] { wp->tick(); });
    w->thread = std::thread([wp] {
      auto guard = asio::make_work_guard(wp->ctx);
      wp->ctx.run();
    });
  }
  auto stop = [&] {
    for (auto& w : workers) w->ctx.stop();
    for (auto& w : workers) w->thread.join();
  };
  PairsResult result;
  try {
    // Subscribers first, so no message is published before its subscription exists.
    wait_for(shared, deadline, "connecting subscribers", [&] { return shared.ready.load() == o.pairs; });
    for (std::size_t i = 0; i < o.pairs; ++i) {
      asio::post(workers[i % o.threads]->ctx, [c = publisher_clients[i]] { c->start(); });
    }
    wait_for(shared, deadline, "connecting publishers", [&] { return shared.ready.load() == 2 * o.pairs; });
    // Open loop starts a little ahead so every worker's pacer sees the first due times.
    shared.start = Clock::now() + std::chrono::milliseconds(o.rate > 0 ? 20 : 0);
    shared.record_from_ns =
        to_ns(shared.start) + static_cast<std::int64_t>(o.rate > 0 ? o.warmup_s * 1e9 : 0);
    for (auto& w : workers) {
      Worker* wp = w.get();
      asio::post(wp->ctx, [wp, open = o.rate > 0] {
        if (open) return wp->pace();
        const Clock::time_point now = Clock::now();
        for (auto& p : wp->publishers) {
          p->send_due(now);
          p->client().flush();
        }
      });
    }
    wait_for(shared, deadline, "waiting for deliveries",
             [&] { return shared.subscribers_done.load() == o.pairs; });
  } catch (const std::runtime_error& e) {
    stop();
    // Where the messages stopped: at the publishers, the broker's acks or the deliveries.
    std::uint64_t sent = 0, acked = 0, delivered = 0;
    std::size_t short_pairs = 0;
    for (auto& w : workers) {
      for (auto& p : w->publishers) sent += p->sent(), acked += p->acked();
    }
    for (const Subscriber* s : subscribers) {
      delivered += s->received();
      short_pairs += s->received() < s->expected() ? 1 : 0;
    }
    throw std::runtime_error(std::string(e.what()) + " (of " + std::to_string(o.messages) +
                             " messages: " + std::to_string(sent) + " sent, " +
                             std::to_string(acked) + " acked, " + std::to_string(delivered) +
                             " delivered; " + std::to_string(short_pairs) +
                             " subscribers short)");
  }
  stop();
  for (const Subscriber* s : subscribers) result.delivered += s->received();
  result.elapsed_s = static_cast<double>(shared.last_delivery_ns.load() - to_ns(shared.start)) / 1e9;
  result.window = o.window;
  for (auto& w : workers) {
    for (auto& p : w->publishers) result.window = std::min(result.window, p->window());
    result.latencies_ns.insert(result.latencies_ns.end(), w->latencies_ns.begin(),
                               w->latencies_ns.end());
  }
  return result;
}

}  // namespace iris::bench
