#pragma once
// Shard: one event-loop thread's share of the MQTT server (see mqtt_server.h): an io_context,
// the Broker that owns the client ids hashing to this shard, and the registry of the
// connections whose sockets live on this thread. Every member is touched only on this
// shard's thread; other shards talk to it by posting batches of Envelopes.
//
// A connection has two homes that may differ: its I/O shard (where the socket lives; encoded
// in the low byte of its ConnId) and its broker shard (the owner of its client id). Reads go
// I/O -> broker as open/bytes/closed envelopes, the broker's actions go back as send/close,
// and messages published on a shard go to every other broker as forward envelopes. Posts to
// one peer are gathered in an outbox and sent as one batch after the current handlers.

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "mqtt/broker.h"
#include "net/mqtt_server.h"
#include "net/net_options.h"
#include "net/sync_gateway.h"
#include "sync/sync_shard.h"

namespace iris::net::detail {

namespace asio = boost::asio;

class ServerCore;

// The I/O half of a connection, as its I/O shard drives it.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // Bytes from the broker to write.
  virtual void send(mqtt::Bytes bytes) = 0;
  // The broker closed the connection (and already forgot it): flush, then close.
  virtual void close_after_flush(std::error_code reason) = 0;
  // A deadline this connection asked for (Shard::watch) has passed.
  virtual void on_deadline() = 0;
  // Server shutdown: close now.
  virtual void abort() = 0;
  // The connection authenticated (MQTT: the broker accepted its CONNECT): it gives back its
  // pre-auth slot and its connect deadline ends.
  virtual void on_authenticated() = 0;
  // Writes what send() queued while the shard was corked (Shard::defer_write).
  virtual void write_deferred() = 0;
};

struct Envelope {
  enum class Kind : std::uint8_t {
    open,     // I/O -> broker: on_open
    bytes,    // I/O -> broker: on_bytes
    closed,   // I/O -> broker: the transport closed (on_close)
    send,     // broker -> I/O: write bytes
    close,    // broker -> I/O: flush and close, for `reason`
    accepted, // broker -> I/O: the CONNECT was accepted (ConnectionBase::on_authenticated)
    forward,  // broker -> broker: a message published on another shard
  };
  Kind kind;
  mqtt::ConnId conn{};
  mqtt::Bytes bytes;
  std::error_code reason;
  std::shared_ptr<const mqtt::Message> message;
};

class Shard final {
 public:
  // The shard's index lives in the low byte of every ConnId it issues.
  static constexpr std::size_t kMaxShards = 256;
  static std::size_t io_shard_of(mqtt::ConnId id) { return id.value() & 0xFF; }

  // core, options, authenticator and authorizer must outlive the shard. With `sync`, the
  // shard carries the sync service (attach_sync completes it) and, when `sync` has an
  // authorizer factory, its broker asks an authorizer of its own, bound to this shard's
  // SyncGateway for thread membership, instead of `authorizer`.
  Shard(ServerCore& core, std::size_t index, const NetOptions& net,
        const mqtt::MqttOptions& mqtt, mqtt::Authenticator& authenticator,
        mqtt::Authorizer& authorizer, const SyncBinding* sync);

  asio::io_context& io() { return io_; }

  // Corking: while the shard works through one batch of events (a read's packets, the
  // broker's actions, a peer's envelopes), connections queue what they are sent and write it
  // once at the end, so the packets one event causes (PINGRESP and a heartbeat; a PUBACK and
  // a send result; a batch of deliveries) leave in one system call and, over TLS, in one
  // record. The batch ends on this thread before it returns to the event loop: no timer, no
  // added wait.
  bool corked() const { return cork_depth_ > 0; }
  void defer_write(std::shared_ptr<ConnectionBase> c) { deferred_writes_.push_back(std::move(c)); }
  std::size_t index() const { return index_; }
  ServerCore& core() { return core_; }
  const NetOptions& net_options() const { return net_; }
  const mqtt::MqttOptions& mqtt_options() const { return mqtt_; }

  // --- everything below runs on this shard's thread ---

  void start();
  // Broker shutdown, then every connection gets `grace` to flush before it is aborted.
  void begin_shutdown(std::chrono::milliseconds grace);

  mqtt::ConnId add(std::shared_ptr<ConnectionBase> connection);
  void remove(mqtt::ConnId id);
  // Calls on_deadline() of `id` once, at the first tick after `deadline`, unless unwatched.
  void watch(mqtt::ConnId id, mqtt::TimePoint deadline) { deadlines_[id] = deadline; }
  void unwatch(mqtt::ConnId id) { deadlines_.erase(id); }

  // A connection whose I/O is on this shard tells its broker shard something.
  void to_broker(std::size_t broker, Envelope e);
  // The same for bytes read, without copying them when the broker is this shard's.
  void bytes_to_broker(std::size_t broker, mqtt::ConnId conn, std::span<const std::uint8_t> bytes);

  // From any thread: closes this shard's clients whose users `moved` says live elsewhere
  // (mqtt::Broker::disconnect_moved), on this shard's thread, `per_pass` at a time every
  // kMovePass until none is left; a newer `moved` (the ring changed again) replaces the one
  // in progress. ServerCore::moving counts the passes not yet over.
  static constexpr std::chrono::milliseconds kMovePass{100};
  void disconnect_moved(std::function<bool(std::string_view user)> moved, std::size_t per_pass,
                        mqtt::Broker::MovedReference reference = {});

  // The shard that owns `client_id`; an empty id (the broker assigns one) stays here.
  std::size_t owner_of(std::string_view client_id) const;

  // Scratch space for one read on this thread; valid until the reading handler returns.
  std::span<std::uint8_t> read_buffer() { return read_buffer_; }

  // Rate limit for per-connection log lines: at most a few per second per shard, so a
  // flood of bad clients cannot flood the log.
  bool may_log();

  std::uint64_t slow_consumers = 0;
  const mqtt::MqttMetrics& broker_metrics() const { return broker_.metrics(); }

  // Called by peers (through a post) with what they sent to this shard.
  void receive(std::vector<Envelope>& batch);

  // The sync service of the users this shard owns (built with gateway() as its sink), joined
  // to the broker. Only on a shard built with a SyncBinding, once, before it starts.
  void attach_sync(std::unique_ptr<sync::SyncShard> sync);
  // Null when the server carries no sync service.
  SyncGateway* gateway() { return gateway_.get(); }
  sync::SyncShard* sync() { return gateway_ ? gateway_->sync() : nullptr; }
  // Runs work for the sync service on this thread, then carries out what it asked of the
  // broker.
  void run_sync(const std::function<void(sync::SyncShard&)>& fn);
  // From any thread: queues work for the sync service to run on this shard's thread, in the
  // order queued. One post wakes the shard for everything queued until it drains, which runs
  // it all and then the broker once: the store's commit thread hands over a whole group's
  // fan-out and replies with a few posts instead of three per send, and their pushes leave
  // in fewer writes.
  void post_sync(std::function<void(sync::SyncShard&)> fn);

  // Runs the shard's event loop on the calling thread (the shard's own) until it stops.
  void run();

 private:
  void handle(Envelope& e, mqtt::TimePoint now);
  void run_broker();
  void to_io(mqtt::ConnId conn, Envelope e);
  void post_to(std::size_t shard, Envelope e);
  void flush();
  void on_tick();
  void disconnect_moved_pass();

  ServerCore& core_;
  const std::size_t index_;
  const NetOptions& net_;
  const mqtt::MqttOptions& mqtt_;
  asio::io_context io_{1};
  // The sync seam and this shard's own authorizer, declared before broker_, which uses the
  // authorizer (the gateway only keeps a reference to the broker until attach_sync).
  std::unique_ptr<SyncGateway> gateway_;
  std::unique_ptr<mqtt::Authorizer> own_authorizer_;
  mqtt::Broker broker_;
  asio::steady_timer tick_timer_;
  asio::steady_timer move_timer_;
  std::function<bool(std::string_view user)> moved_;  // the disconnect pass in progress, if any
  mqtt::Broker::MovedReference moved_reference_;  // the new owners' addresses, if known
  std::size_t moved_per_pass_ = 0;
  std::uint64_t moved_closed_ = 0;  // by the pass in progress, for its log line
  std::unordered_map<mqtt::ConnId, std::shared_ptr<ConnectionBase>> connections_;
  std::unordered_map<mqtt::ConnId, mqtt::TimePoint> deadlines_;
  std::vector<std::vector<Envelope>> outbox_;  // per peer shard
  // Envelopes for this shard's own broker that arrive while it is running (a connection
  // closing inside run_broker): handled right after, so the broker is never re-entered.
  std::vector<Envelope> local_pending_;
  void drain_sync();
  std::mutex sync_inbox_mutex_;
  std::vector<std::function<void(sync::SyncShard&)>> sync_inbox_;  // GUARDED_BY(sync_inbox_mutex_)
  std::vector<std::function<void(sync::SyncShard&)>> sync_running_;  // this thread's
  bool in_broker_ = false;
  // See corked(): the depth of nested batches, and the connections with writes to start
  // when the outermost one ends.
  class Cork;
  std::uint32_t cork_depth_ = 0;
  std::vector<std::shared_ptr<ConnectionBase>> deferred_writes_;
  bool flush_scheduled_ = false;
  bool stopping_ = false;
  std::uint64_t next_serial_ = 1;
  std::uint32_t log_budget_ = 0;
  std::uint64_t log_suppressed_ = 0;
  std::array<std::uint8_t, 64 * 1024> read_buffer_;
};

}  // namespace iris::net::detail
