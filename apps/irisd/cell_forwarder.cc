#include "apps/irisd/cell_forwarder.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <deque>
#include <set>

#include "base/log.h"
#include "base/thread_name.h"
#include "client/mqtt_session.h"
#include "net/iris_auth.h"
#include "sync/fanout_frame.h"
#include "wire/codec.h"

namespace iris::irisd {

namespace asio = boost::asio;
using asio::ip::tcp;

// One owner's link: a TCP connection to its MQTT port carrying QoS 1 PUBLISHes on
// c/fanout. Lives on the forwarder's thread. Connects when it has something to send; any
// error closes it and fails everything it held (the store keeps the rows).
class CellForwarder::Link {
 public:
  Link(CellForwarder& owner, std::string name, std::string address)
      : fw_(owner), name_(std::move(name)), address_(std::move(address)), socket_(owner.io_) {}
  ~Link() { close("", false); }

  const std::string& address() const { return address_; }
  // The owner came back at another address: what was in hand fails, the next frame dials it.
  void readdress(std::string address) {
    close("", true);
    address_ = std::move(address);
  }

  // False when the queue is full (cluster.link_queue_bytes).
  bool enqueue(sync::FanoutKey key, std::string frame) {
    if (queued_bytes_ + frame.size() > fw_.options_.queue_bytes) return false;
    queued_bytes_ += frame.size();
    queue_.push_back({key, std::move(frame)});
    if (state_ == State::down) connect();
    else pump();
    return true;
  }

  // A QoS 0 PUBLISH that nothing confirms (typing): sent now if the link is up and not backed
  // up, else dropped, and a link that is down is dialled for the next one.
  void send_ephemeral(std::string_view topic, std::string payload) {
    if (state_ == State::down) return connect();
    if (state_ != State::up || writes_.size() >= kMaxEphemeralBacklog) return;
    write(session_->publish(std::string(topic), std::move(payload), mqtt::QoS::at_most_once));
  }

  // Called by the scan: a peer that stopped acknowledging (paused, partitioned) is dropped.
  void check(std::chrono::steady_clock::time_point now) {
    if (state_ == State::down) return;
    if (!inflight_.empty() && now - oldest_ > fw_.options_.ack_timeout) return close("no acknowledgement in time");
    if (state_ == State::up && now - last_write_ > std::chrono::seconds(10)) write(session_->pingreq());
  }

  // Fails everything the link held (unless `notify` is false: the forwarder is going away).
  void close(std::string_view why, bool notify = true) {
    if (state_ == State::down) return;
    state_ = State::down;
    boost::system::error_code ignored;
    socket_.close(ignored);
    if (!why.empty()) {
      IRIS_LOG(warn, "cluster", "cell link to {} ({}) closed: {}", name_, address_, why);
      fw_.failures_.fetch_add(1, std::memory_order_relaxed);
    }
    queue_.clear();
    queued_bytes_ = 0;
    inflight_.clear();
    writes_.clear();
    writing_ = false;
    ++generation_;
    if (notify) fw_.on_link_down(name_);
  }

 private:
  enum class State { down, connecting, up };
  static constexpr std::size_t kMaxEphemeralBacklog = 256;  // writes waiting on the socket
  struct Frame {
    sync::FanoutKey key;
    std::string bytes;
  };

  void connect() {
    const auto colon = address_.rfind(':');
    boost::system::error_code ec;
    const auto ip = asio::ip::make_address(address_.substr(0, colon), ec);
    if (colon == std::string::npos || ec) return close("bad address");
    const tcp::endpoint at(ip, static_cast<std::uint16_t>(std::stoul(address_.substr(colon + 1))));
    state_ = State::connecting;
    client::MqttSessionOptions o;
    // Named by cell and server: peers of every cell of the deployment share the secret.
    const auto me = peer_key(fw_.options_.cell, fw_.options_.self);
    o.client_id = "cell-" + me;
    o.username = std::string(net::kCellPeerPrefix) + me;
    o.password = net::cell_link_password(fw_.options_.secret, me);
    o.keep_alive_s = 30;
    o.topic_alias_maximum = 0;
    session_.emplace(std::move(o));
    const auto gen = generation_;
    socket_.async_connect(at, [this, gen](boost::system::error_code e) {
      if (gen != generation_) return;
      if (e) return close("connect: " + e.message());
      boost::system::error_code ignored;
      socket_.set_option(tcp::no_delay(true), ignored);
      write(session_->connect());
      read();
    });
  }

  void read() {
    const auto gen = generation_;
    socket_.async_read_some(asio::buffer(buffer_), [this, gen](boost::system::error_code e, std::size_t n) {
      if (gen != generation_) return;
      if (e) return close("read: " + e.message());
      auto events = session_->on_bytes(std::span<const std::uint8_t>(buffer_.data(), n));
      if (!events) return close("peer sent malformed MQTT: " + events.error().message());
      for (auto& ev : *events) {
        if (const auto* up = std::get_if<client::mqtt_event::Connected>(&ev)) {
          state_ = State::up;
          // The peer's Receive Maximum bounds the window (MQTT 5.0 section 4.9): a peer
          // configured with a smaller cluster.link_window says so in its CONNACK.
          window_ = std::min<std::size_t>(fw_.options_.window, std::max<std::uint16_t>(up->receive_maximum, 1));
          IRIS_LOG(info, "cluster", "cell link to {} ({}) up", name_, address_);
        } else if (const auto* r = std::get_if<client::mqtt_event::Refused>(&ev)) {
          return close(fmt::format("refused: CONNACK 0x{:02x} (is the cell secret the same?)", static_cast<int>(r->reason)));
        } else if (const auto* a = std::get_if<client::mqtt_event::Acked>(&ev)) {
          const auto it = inflight_.find(a->packet_id);
          if (it == inflight_.end()) continue;
          const auto key = it->second;
          inflight_.erase(it);
          if (!inflight_.empty()) oldest_ = std::chrono::steady_clock::now();
          fw_.on_ack(name_, key, a->reason == mqtt::ReasonCode::success);
          if (gen != generation_) return;  // on_ack may have closed us
        } else if (std::holds_alternative<client::mqtt_event::Closed>(ev)) {
          return close("peer sent DISCONNECT");
        }
      }
      pump();
      read();
    });
  }

  void pump() {
    while (state_ == State::up && inflight_.size() < window_ && !queue_.empty()) {
      Frame f = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= f.bytes.size();
      mqtt::PacketId id = 0;
      auto bytes = session_->publish(std::string(sync::kFanoutTopic), std::move(f.bytes), mqtt::QoS::at_least_once, &id);
      if (inflight_.empty()) oldest_ = std::chrono::steady_clock::now();
      inflight_.emplace(id, f.key);
      fw_.sent_.fetch_add(1, std::memory_order_relaxed);
      write(std::move(bytes));
    }
  }

  void write(mqtt::Bytes bytes) {
    last_write_ = std::chrono::steady_clock::now();
    writes_.push_back(std::move(bytes));
    if (!writing_) write_next();
  }

  void write_next() {
    if (writes_.empty()) {
      writing_ = false;
      return;
    }
    writing_ = true;
    const auto gen = generation_;
    asio::async_write(socket_, asio::buffer(writes_.front()), [this, gen](boost::system::error_code e, std::size_t) {
      if (gen != generation_) return;
      if (e) return close("write: " + e.message());
      writes_.pop_front();
      write_next();
    });
  }

  CellForwarder& fw_;
  const std::string name_;
  std::string address_;
  tcp::socket socket_;
  State state_ = State::down;
  std::size_t window_ = 1;  // frames in flight: set from the peer's CONNACK
  std::uint64_t generation_ = 0;  // bumped by close: callbacks of an older connection stop
  std::optional<client::MqttSession> session_;
  std::deque<Frame> queue_;
  std::size_t queued_bytes_ = 0;
  std::map<mqtt::PacketId, sync::FanoutKey> inflight_;
  std::chrono::steady_clock::time_point oldest_{}, last_write_{};
  std::deque<mqtt::Bytes> writes_;
  bool writing_ = false;
  std::array<std::uint8_t, 16384> buffer_{};
};

CellForwarder::CellForwarder(ForwarderOptions options, store::QueueStore& store, ViewOf view)
    : options_(std::move(options)), store_(store), view_(std::move(view)), tracker_(options_.max_pending) {}

std::shared_ptr<const cluster::CellSnapshot> CellForwarder::snapshot() const {
  const auto* view = view_();
  return view != nullptr ? view->snapshot() : std::make_shared<const cluster::CellSnapshot>();
}

CellForwarder::~CellForwarder() { stop(); }

void CellForwarder::start() {
  arm_scan();
  thread_ = std::thread([this] {
    name_this_thread("iris-fanout");
    io_.run();
  });
}

void CellForwarder::stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    scan_timer_.cancel();
    confirm_timer_.cancel();
    links_.clear();
    io_.stop();
  });
  thread_.join();
}

bool CellForwarder::owns(core::UserId user) const { return snapshot()->owns(user); }

std::function<bool(core::UserId)> CellForwarder::owns_by_one_view() const {
  return [view = snapshot()](core::UserId user) { return view->owns(user); };
}

std::optional<std::uint64_t> CellForwarder::next_id(core::Timestamp now) {
  const auto slot = snapshot()->id_slot;
  if (!slot) return std::nullopt;
  return ids_.next(now, *slot);
}

bool CellForwarder::placed_here(core::UserId user) const { return snapshot()->placed_here(user); }

void CellForwarder::forward(store::PendingFanout pending) {
  asio::post(io_, [this, p = std::move(pending)]() mutable { take_live(std::move(p)); });
}

void CellForwarder::typing(const wire::Typing& signal) {
  asio::post(io_, [this, payload = wire::encode(wire::Message{signal})] {
    const auto current = snapshot();
    if (!current->serving) return;
    for (const auto& server : current->ring.servers()) {
      if (server.name == current->self || server.address.empty()) continue;
      link_to(server.name, server.address).send_ephemeral(sync::kTypingLinkTopic, payload);
    }
  });
}

void CellForwarder::take_live(store::PendingFanout p) {
  const auto sender = p.sender;
  const sync::FanoutKey key{sender, p.update.seq};
  if (!in_order_.count(sender)) {
    // An older row of this sender is not in hand (this server just took the sender over, or
    // a share of it failed): sending this one now would overtake it at the receivers. The scan
    // sends the sender's rows in seq order instead.
    if (!older_rows_in_hand(key)) return;
    if (in_order_.size() >= options_.max_pending) in_order_.clear();  // bounded: they are checked again
    in_order_.insert(sender);
  }
  take(std::move(p));
  if (!tracker_.tracking(key)) in_order_.erase(sender);
}

bool CellForwarder::older_rows_in_hand(sync::FanoutKey key) const {
  constexpr std::size_t kLook = 64;
  auto rows = store_.pending_fanout(key.sender, core::Seq{0}, kLook);
  if (!rows) return false;
  for (const auto& row : *rows) {
    if (row.sender != key.sender || row.update.seq >= key.seq) return true;
    if (!tracker_.tracking({row.sender, row.update.seq})) return false;
  }
  return rows->size() < kLook;  // more older rows than looked at: the scan sends them in order
}

void CellForwarder::take(store::PendingFanout p) {
  const sync::FanoutKey key{p.sender, p.update.seq};
  if (tracker_.tracking(key)) return;
  const auto current = snapshot();
  if (!current->serving) return;
  // Each recipient's owner: by this cell's ring for a user placed here, else by the ring of
  // the cell the placement names (a send across cells); links are keyed by the qualified name.
  struct Share {
    std::string address;
    std::vector<core::UserId> recipients;
  };
  std::map<std::string, Share> by_owner;
  for (auto r : p.recipients) {
    std::string name, address;
    if (current->placed_here(r)) {
      const auto* owner = current->owner(r);
      if (owner == nullptr) return;  // no ring yet: the scan retries
      name = owner->name;
      address = owner->address;
    } else {
      const auto route = current->elsewhere(r);
      if (!route) return;  // its cell is unknown or has nobody live now: the scan retries
      name = peer_key(route->cell, route->server.name);
      address = route->server.address;
    }
    if (address.empty()) return;
    auto& entry = by_owner[name];
    entry.address = std::move(address);
    entry.recipients.push_back(r);
  }
  std::set<std::string> owners;
  for (const auto& [name, entry] : by_owner) owners.insert(name);
  if (!tracker_.admit(key, owners)) return;
  for (auto& [name, entry] : by_owner) {
    store::PendingFanout share{p.sender, p.update, std::move(entry.recipients)};
    if (!link_to(name, entry.address).enqueue(key, sync::encode_fanout_frame(share))) {
      tracker_.failed(key);  // the rest may still go; the whole row is sent again later
      return;
    }
  }
}

std::string CellForwarder::peer_key(std::string_view cell, std::string_view server) {
  return fmt::format("{}/{}", cell, server);
}

CellForwarder::Link& CellForwarder::link_to(const std::string& name, const std::string& address) {
  auto it = links_.find(name);
  if (it != links_.end() && it->second->address() != address) it->second->readdress(address);
  if (it == links_.end()) it = links_.emplace(name, std::make_unique<Link>(*this, name, address)).first;
  return *it->second;
}

void CellForwarder::on_ack(const std::string& owner, sync::FanoutKey key, bool ok) {
  if (!ok) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    tracker_.failed(key);
    in_order_.erase(key.sender);
    return;
  }
  confirmed_.fetch_add(1, std::memory_order_relaxed);
  if (!tracker_.confirmed(key, owner)) return;
  to_remove_.push_back(key);
  if (!removing_) schedule_removal();
}

void CellForwarder::schedule_removal() {
  removing_ = true;
  if (options_.confirm_delay.count() == 0) return remove_confirmed();
  confirm_timer_.expires_after(options_.confirm_delay);
  confirm_timer_.async_wait([this](boost::system::error_code e) {
    if (e) return;  // stopping: the rows stay in the store and are sent again, then dropped as repeats
    remove_confirmed();
  });
}

void CellForwarder::remove_confirmed() {
  std::vector<store::FanoutRow> rows;
  rows.reserve(to_remove_.size());
  for (const auto& k : to_remove_) rows.push_back({k.sender, k.seq});
  store_.async_confirm_fanout(std::move(rows), [this, keys = std::move(to_remove_)](Result<void> r) {
    // On the store's commit thread.
    asio::post(io_, [this, keys, ok = r.has_value()] {
      if (ok) removed_.fetch_add(keys.size(), std::memory_order_relaxed);
      for (const auto& k : keys) tracker_.removed(k);  // a failure: the next scan sends them again
      removing_ = false;
      if (!to_remove_.empty()) schedule_removal();
    });
  });
  to_remove_.clear();
}

void CellForwarder::on_link_down(const std::string& owner) {
  tracker_.fail_owner(owner);
  in_order_.clear();  // which senders lost a share is not known here: each is checked again
}

void CellForwarder::arm_scan() {
  scan_timer_.expires_after(options_.retry);
  scan_timer_.async_wait([this](boost::system::error_code e) {
    if (e) return;
    scan();
    arm_scan();
  });
}

void CellForwarder::scan() {
  const auto now = std::chrono::steady_clock::now();
  for (auto& [name, link] : links_) link->check(now);
  const auto current = snapshot();
  if (!current->serving) return;
  // At most a few pages per pass: a backlog drains over several passes, never stalls links.
  core::UserId after_sender{0};
  core::Seq after_seq{0};
  std::set<core::UserId> stalled;
  for (int page = 0; page < 4 && tracker_.size() < options_.max_pending; ++page) {
    auto rows = store_.pending_fanout(after_sender, after_seq, 256);
    if (!rows) {
      IRIS_LOG(warn, "cluster", "cannot read the pending fan-out: {}", rows.error().message());
      return;
    }
    for (auto& row : *rows) {
      after_sender = row.sender;
      after_seq = row.update.seq;
      const sync::FanoutKey key{row.sender, row.update.seq};
      if (!current->owns(row.sender) || tracker_.tracking(key) || stalled.count(row.sender)) continue;
      rescanned_.fetch_add(1, std::memory_order_relaxed);
      take(std::move(row));
      // A row that could not go holds back the sender's later rows: none overtakes it.
      if (!tracker_.tracking(key)) stalled.insert(key.sender);
    }
    if (rows->size() < 256) return;
  }
}

CellForwarder::Stats CellForwarder::stats() const {
  Stats s;
  s.frames_sent = sent_.load(std::memory_order_relaxed);
  s.frames_confirmed = confirmed_.load(std::memory_order_relaxed);
  s.frames_refused = refused_.load(std::memory_order_relaxed);
  s.rows_removed = removed_.load(std::memory_order_relaxed);
  s.rows_rescanned = rescanned_.load(std::memory_order_relaxed);
  s.link_failures = failures_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace iris::irisd
