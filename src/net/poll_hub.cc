#include "net/poll_hub.h"

#include "net/errc.h"
#include "wire/codec.h"
#include "wire/json_codec.h"

namespace iris::net {

namespace {

// How often idle poll devices are looked for (on a poll: a shard nobody polls has none).
constexpr std::chrono::seconds kReapEvery{5};

core::Timestamp wall_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace

PollHub::PollHub(sync::DeviceSink& inner, const PollOptions& options, std::atomic<std::size_t>& devices_total)
    : inner_(inner), options_(options), devices_total_(devices_total) {}

PollHub::~PollHub() { devices_total_ -= devices_.size(); }

void PollHub::poll(core::UserId user, const std::string& device, bool json, core::Epoch epoch,
                   core::Seq seq, std::uint32_t max_updates, std::uint64_t ticket,
                   std::chrono::milliseconds timeout, Answer answer, Clock::time_point now) {
  if (now >= next_reap_) {
    reap(now);
    next_reap_ = now + kReapEvery;
  }
  Key key{user, device};
  auto it = devices_.find(key);
  if (it == devices_.end()) {
    std::size_t& mine = per_user_[user];
    if (mine >= options_.max_per_user || devices_total_.fetch_add(1) >= options_.max_total) {
      if (mine < options_.max_per_user) --devices_total_;
      if (mine == 0) per_user_.erase(user);
      return answer(fail(errc::too_many_polls));
    }
    ++mine;
    it = devices_.emplace(key, Device{}).first;
    it->second.conn = sync::ConnId{kPollBit | next_conn_++};
    by_conn_.emplace(it->second.conn, key);
    // Its own device name: an MQTT connection of the same device keeps its own cursor.
    target_->on_connected(it->second.conn, user, core::DeviceId{"poll:" + device});
  }
  Device& d = it->second;
  d.expires = now + timeout + options_.idle;
  if (d.held) {
    auto previous = std::move(d.held->second);
    d.held.reset();
    previous(std::optional<std::string>());
  }
  if (!advance(d, json, epoch, seq)) resume(d, json, epoch, seq, max_updates);
  if (!d.items.empty()) return answer_front(d, answer);
  if (answer_typing(d, answer, now)) return;
  d.held.emplace(ticket, std::move(answer));
}

bool PollHub::answer_typing(Device& d, Answer& answer, Clock::time_point now) {
  while (!d.typing.empty() && now - d.typing.front().at > options_.typing_fresh) d.typing.pop_front();
  if (d.typing.empty()) return false;
  std::string payload = std::move(d.typing.front().payload);
  d.typing.pop_front();
  answer(std::optional<std::string>(std::move(payload)));
  return true;
}

bool PollHub::typing(const wire::Typing& signal) {
  const sync::RateLimit limit{options_.typing_per_s, options_.typing_burst};
  if (!limit.off()) {
    const auto now = wall_now();
    auto& bucket = typing_rates_.try_emplace(signal.user, limit, now).first->second;
    if (bucket.wait(limit, now)) return false;
    bucket.take();
  }
  return inner_.typing(signal);
}

void PollHub::deliver_typing(const wire::Typing& signal, const std::function<bool(core::UserId)>& in_thread,
                             Clock::time_point now) {
  const wire::Message m{signal};
  std::optional<std::string> json, compact;  // encoded once per encoding
  for (auto& [key, d] : devices_) {
    if (!in_thread(key.first)) continue;
    auto& payload = d.json ? json : compact;
    if (!payload) payload = d.json ? wire::encode_json(m) : wire::encode(m);
    if (d.held && d.items.empty()) {
      auto answer = std::move(d.held->second);
      d.held.reset();
      answer(std::optional<std::string>(*payload));
      continue;
    }
    // The newest signal of a typer in a thread replaces the older one.
    std::erase_if(d.typing, [&](const PendingTyping& p) { return p.thread == signal.thread && p.user == signal.user; });
    if (d.typing.size() >= options_.typing_pending && !d.typing.empty()) d.typing.pop_front();
    if (options_.typing_pending > 0) d.typing.push_back(PendingTyping{now, signal.thread, signal.user, *payload});
  }
}

bool PollHub::advance(Device& d, bool json, core::Epoch epoch, core::Seq seq) {
  if (!d.streaming || json != d.json || epoch != d.epoch || seq < d.acked || seq > d.end) return false;
  while (!d.items.empty()) {
    Item& front = d.items.front();
    // A resync answered once is taken as seen: the device polls on from where it said.
    if (front.batch ? front.last > seq : !front.given) break;
    if (front.batch) d.acked = front.last;
    target_->on_delivered(d.conn, front.token);
    d.items.pop_front();
  }
  d.acked = seq;
  // Anything left must start right after what the device holds.
  return d.items.empty() || !d.items.front().batch || d.items.front().first.value() == seq.value() + 1;
}

void PollHub::resume(Device& d, bool json, core::Epoch epoch, core::Seq seq, std::uint32_t max_updates) {
  d.items.clear();  // the new resume's stream replaces them (their tokens die with it)
  d.json = json;
  d.streaming = true;
  d.epoch = epoch;
  d.acked = d.end = seq;
  wire::ResumeRequest r;
  r.epoch = epoch;
  r.last_seq = seq;
  r.max_updates = max_updates;
  r.protocol_version = wire::kProtocolVersion;
  const wire::Message m{r};
  target_->on_request(d.conn, sync::RequestTag{0}, json ? sync::Encoding::json : sync::Encoding::thrift_compact,
                      json ? wire::encode_json(m) : wire::encode(m));
}

void PollHub::answer_front(Device& d, Answer& answer) {
  Item& front = d.items.front();
  front.given = true;
  answer(std::optional<std::string>(front.payload));
}

void PollHub::cancel(core::UserId user, const std::string& device, std::uint64_t ticket) {
  auto it = devices_.find(Key{user, device});
  if (it != devices_.end() && it->second.held && it->second.held->first == ticket) it->second.held.reset();
}

void PollHub::push(sync::ConnId conn, std::string payload, std::uint64_t token) {
  if (!is_poll_conn(conn)) return inner_.push(conn, std::move(payload), token);
  auto key = by_conn_.find(conn);
  if (key == by_conn_.end()) return;
  Device& d = devices_.at(key->second);
  auto message = d.json ? wire::decode_json<wire::Message>(payload) : wire::decode<wire::Message>(payload);
  if (!message) return;  // the service encodes what it pushes: cannot happen
  Item item{token, std::move(payload)};
  if (const auto* batch = std::get_if<wire::DeltaBatch>(&*message)) {
    item.batch = true;
    item.first = batch->first_seq;
    item.last = batch->last_seq;
    d.end = batch->last_seq;
    d.epoch = batch->epoch;  // a device that resumed with epoch 0 learns it here, as over MQTT
  } else if (const auto* resync = std::get_if<wire::Resync>(&*message)) {
    // A full resync ends the stream: the device comes back from a snapshot's position. A
    // thread-scoped one goes on (docs/PROTOCOL.md "Thread-scoped resync").
    if (!resync->thread) d.streaming = false;
  }
  d.items.push_back(std::move(item));
  if (d.held && d.items.size() == 1) {
    auto answer = std::move(d.held->second);
    d.held.reset();
    answer_front(d, answer);
  }
}

// A poll device's resume has no PUBLISH to complete, and its other requests come over
// POST /v1/requests, not this connection.
void PollHub::reply(sync::ConnId conn, sync::RequestTag tag, std::optional<wire::ErrorCode> error,
                    std::string payload) {
  if (!is_poll_conn(conn)) inner_.reply(conn, tag, error, std::move(payload));
}

// Heartbeats answer keep-alives, which polls do not send.
void PollHub::signal(sync::ConnId conn, std::string payload) {
  if (!is_poll_conn(conn)) inner_.signal(conn, std::move(payload));
}

void PollHub::reap(Clock::time_point now) {
  const sync::RateLimit limit{options_.typing_per_s, options_.typing_burst};
  const auto wall = wall_now();
  for (auto it = typing_rates_.begin(); it != typing_rates_.end();) {
    it = it->second.full(limit, wall) ? typing_rates_.erase(it) : std::next(it);
  }
  for (auto it = devices_.begin(); it != devices_.end();) {
    auto next = std::next(it);
    if (now >= it->second.expires) drop(it);
    it = next;
  }
}

void PollHub::drop(std::map<Key, Device>::iterator it) {
  Device& d = it->second;
  target_->on_disconnected(d.conn);
  by_conn_.erase(d.conn);
  if (auto u = per_user_.find(it->first.first); u != per_user_.end() && --u->second == 0) per_user_.erase(u);
  --devices_total_;
  devices_.erase(it);
}

}  // namespace iris::net
