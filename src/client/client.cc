#include "client/client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "base/log.h"
#include "client/backoff.h"
#include "client/server_redirect.h"
#include "client/errc.h"
#include "client/mqtt_session.h"
#include "client/sync_machine.h"
#include "wire/codec.h"
#include "wire/topics.h"

namespace iris::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;
using std::chrono::milliseconds;

std::string_view to_string(ConnectionState s) {
  switch (s) {
    case ConnectionState::offline: return "offline";
    case ConnectionState::connecting: return "connecting";
    case ConnectionState::syncing: return "syncing";
    case ConnectionState::live: return "live";
  }
  return "?";
}

core::ClientMsgId new_client_id() {
  static thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) ^ rd();
  }()};
  return core::ClientMsgId{rng(), rng()};
}

namespace {

// One MQTT byte stream, plain or TLS. Owned by the connection coroutine's Impl.
struct Transport {
  std::optional<beast::tcp_stream> tcp;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *tcp; }
  awaitable<std::size_t> read_some(asio::mutable_buffer b) {
    if (tls) co_return co_await tls->async_read_some(b, use_awaitable);
    co_return co_await tcp->async_read_some(b, use_awaitable);
  }
  awaitable<void> write(asio::const_buffer b) {
    if (tls) co_await asio::async_write(*tls, b, use_awaitable);
    else co_await asio::async_write(*tcp, b, use_awaitable);
  }
  void close() {
    if (!tcp && !tls) return;  // still resolving: no socket yet
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }
};

// SNI (RFC 6066); SSL_set_tlsext_host_name is a macro with a C cast. Not for an IP literal,
// which RFC 6066 section 3 does not permit there.
void set_sni(SSL* ssl, const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  if (!ec) return;
  SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(host.c_str()));
}

// The TLS session of the last connection, resumed by the next one (a TLS 1.3 ticket: the
// server skips its certificate and signature, most of a handshake's bytes on a phone that
// reconnects many times a day; docs/BENCHMARKS.md "bandwidth").
struct SessionFree {
  void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
};
using TlsSessionPtr = std::unique_ptr<SSL_SESSION, SessionFree>;

// Why a connection ended, when nothing went wrong on the wire.
enum class Ending { none, reconnect_now, snapshot, resume_later, stop };

}  // namespace

struct Client::Impl {
  Impl(ClientOptions o, ClientCallbacks c, std::unique_ptr<LocalStore> s)
      : opt(std::move(o)),
        cb(std::move(c)),
        store(std::move(s)),
        backoff(opt.backoff_initial, opt.backoff_max, opt.seed ? opt.seed : std::random_device{}()),
        redirect(ServerAddress{opt.host, opt.port}, opt.max_redirects),
        retry_timer(io),
        write_signal(io),
        ping_timer(io),
        tls_ctx(asio::ssl::context::tls_client) {
    if (opt.tls && opt.tls_verify) {
      tls_ctx.set_verify_mode(asio::ssl::verify_peer);
      if (opt.ca_file.empty()) tls_ctx.set_default_verify_paths();
      else tls_ctx.load_verify_file(opt.ca_file);
    }
    topic_sync = wire::user_topic(opt.user, wire::UserTopic::sync);
    topic_deltas = wire::user_topic(opt.user, wire::UserTopic::deltas);
    topic_responses = wire::user_topic(opt.user, wire::UserTopic::responses);
  }

  ClientOptions opt;
  ClientCallbacks cb;
  std::unique_ptr<LocalStore> store;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::thread::id thread_id;
  bool started = false;

  SyncMachine machine;
  Backoff backoff;
  ServerRedirect redirect;
  bool redirecting = false;  // the connection that just ended named the next server
  asio::steady_timer retry_timer, write_signal, ping_timer;
  asio::ssl::context tls_ctx;
  TlsSessionPtr tls_session;  // see TlsSessionPtr; client thread only
  std::string topic_sync, topic_deltas, topic_responses;

  // The current connection; all on the client's thread.
  std::unique_ptr<Transport> transport;
  std::optional<MqttSession> session;
  bool online = false;  // CONNACK received, not yet closed
  std::deque<mqtt::Bytes> write_queue;
  mqtt::PacketId resume_packet = 0;
  Position caught_up_from;
  Ending ending = Ending::none;
  milliseconds resume_delay{0};
  bool stopping = false;
  // Outbox entries not yet acknowledged, in send order; `inflight` were published on this
  // connection and await their SendResult or Error.
  std::deque<OutboxEntry> queue;
  std::map<core::ClientMsgId, OutboxEntry> inflight;
  // Snapshot wanted (a resync, or nothing stored); without HTTP, the epoch to rebuild from.
  bool need_snapshot = false;
  std::optional<wire::Resync> resync;
  core::Epoch rebuild_epoch{0};

  // Shared with waiting threads.
  std::mutex mu;
  std::condition_variable cv;
  ConnectionState state = ConnectionState::offline;  // GUARDED_BY(mu)
  std::error_code last_error;                        // GUARDED_BY(mu)
  std::error_code fatal;                             // GUARDED_BY(mu)
  int failures = 0;                                  // GUARDED_BY(mu): since the last success
  std::uint64_t connections = 0;                     // GUARDED_BY(mu)
  std::uint64_t tls_resumed = 0;                     // GUARDED_BY(mu)
  std::optional<core::Seq> head;                     // GUARDED_BY(mu)
  std::size_t outbox_size = 0;                       // GUARDED_BY(mu)

  void set_state(ConnectionState s) {
    {
      std::lock_guard lock(mu);
      if (state == s) return;
      state = s;
    }
    cv.notify_all();
    if (cb.on_state) cb.on_state(s);
  }

  void refresh_outbox_size() {
    auto all = store->outbox();
    {
      std::lock_guard lock(mu);
      outbox_size = all ? all->size() : 0;
    }
    cv.notify_all();
  }

  void enqueue(mqtt::Bytes bytes) {
    write_queue.push_back(std::move(bytes));
    write_signal.cancel();
  }

  void load_queue() {
    queue.clear();
    inflight.clear();
    if (auto all = store->outbox())
      for (auto& e : *all)
        if (!e.acked_seq) queue.push_back(std::move(e));
  }

  void publish_request(const wire::Message& m, mqtt::PacketId* id = nullptr) {
    enqueue(session->publish(topic_sync, wire::encode(m), mqtt::QoS::at_least_once, id));
  }

  void pump_outbox() {
    if (!online) return;
    while (!queue.empty() && inflight.size() < opt.send_window) {
      OutboxEntry e = std::move(queue.front());
      queue.pop_front();
      publish_request(e.request());
      inflight.emplace(e.client_id, std::move(e));
    }
  }

  void publish_resume() {
    Position p = store->position();
    core::Epoch epoch = p.epoch;
    if (p.seq == core::Seq{0} && epoch == core::Epoch{0}) epoch = rebuild_epoch;
    caught_up_from = p;
    publish_request(wire::Message{wire::ResumeRequest{epoch, p.seq, opt.max_updates, false, wire::kProtocolVersion}},
                    &resume_packet);
  }

  void note_live_if_caught_up() {
    if (machine.up_to_date(store->position())) {
      backoff.reset();
      {
        std::lock_guard lock(mu);
        failures = 0;
      }
      set_state(ConnectionState::live);
    }
  }

  // Takes a snapshot (HTTP) or prepares a rebuild from seq 0 (no HTTP). Blocking.
  std::error_code take_snapshot() {
    set_state(ConnectionState::syncing);
    if (opt.http) {
      HttpApi api(*opt.http, opt.token, opt.connect_timeout);
      if (cb.on_progress) cb.on_progress(Progress{Progress::Phase::snapshot, 0, 0});
      auto snap = api.snapshot(opt.snapshot_messages);
      if (!snap) return snap.error();
      if (auto r = store->apply_snapshot(*snap); !r) return r.error();
      if (cb.on_progress)
        cb.on_progress(Progress{Progress::Phase::snapshot, snap->threads.size(), snap->threads.size()});
      if (cb.on_snapshot) cb.on_snapshot(*snap);
      rebuild_epoch = core::Epoch{0};
    } else {
      // Without a snapshot endpoint the whole retained queue is the snapshot: forget local
      // state and resume from seq 0 of the queue's epoch. Trimmed queues cannot be rebuilt.
      if (resync && resync->reason == wire::ResyncReason::too_old)
        return make_error_code(errc::snapshot_unavailable);
      if (auto r = store->reset(); !r) return r.error();
      rebuild_epoch = resync ? resync->epoch : core::Epoch{0};
    }
    need_snapshot = false;
    resync.reset();
    load_queue();
    refresh_outbox_size();
    return {};
  }

  // Handles one message of the deltas topic. Returns false when the connection must end.
  bool on_delta(const mqtt_event::Message& m) {
    auto msg = wire::decode<wire::Message>(m.payload);
    if (!msg) {
      IRIS_LOG(warn, "client", "undecodable delta: {}", msg.error().message());
      ending = Ending::none;
      return false;
    }
    const auto ack = [&] {
      if (m.qos == mqtt::QoS::at_least_once) enqueue(session->puback(m.packet_id));
    };
    if (const auto* b = std::get_if<wire::Badge>(&*msg); b && cb.on_badge) cb.on_badge(*b);
    Decision d = machine.on_delta(*msg, store->position());
    {
      std::lock_guard lock(mu);
      head = machine.known_head();
    }
    return std::visit(
        [&](auto& dec) -> bool {
          using D = std::decay_t<decltype(dec)>;
          if constexpr (std::is_same_v<D, decision::Apply>) {
            const auto& batch = std::get<wire::DeltaBatch>(*msg);
            if (auto r = store->apply_batch(batch); !r) {
              // Not acknowledged: the server sends it again on the next connection.
              ending = Ending::none;
              return false;
            }
            ack();
            refresh_outbox_size();
            if (cb.on_batch) cb.on_batch(batch);
            if (cb.on_progress) {
              auto h = machine.known_head();
              const auto from = caught_up_from.seq.value();
              cb.on_progress(Progress{Progress::Phase::catch_up, batch.last_seq.value() - from,
                                      h && h->value() > from ? h->value() - from : 0});
            }
            note_live_if_caught_up();
            return true;
          } else if constexpr (std::is_same_v<D, decision::Ignore>) {
            ack();
            return true;
          } else if constexpr (std::is_same_v<D, decision::UpToDate>) {
            note_live_if_caught_up();
            return true;
          } else if constexpr (std::is_same_v<D, decision::Reconnect>) {
            IRIS_LOG(info, "client", "{}: resuming from seq {}", dec.why, store->position().seq.value());
            ending = Ending::reconnect_now;
            return false;
          } else if constexpr (std::is_same_v<D, decision::Snapshot>) {
            static constexpr const char* kReasons[] = {"?", "too_old", "epoch_changed",
                                                       "backlog_too_large", "temporary"};
            IRIS_LOG(info, "client", "resync ({}): taking a snapshot",
                     kReasons[static_cast<int>(dec.resync.reason) % 5]);
            ack();
            need_snapshot = true;
            resync = dec.resync;
            ending = Ending::snapshot;
            return false;
          } else if constexpr (std::is_same_v<D, decision::RefetchThread>) {
            ack();
            refetch_thread(dec.thread);
            return true;
          } else {
            static_assert(std::is_same_v<D, decision::ResumeLater>);
            ack();
            resume_delay = dec.delay;
            ending = Ending::resume_later;
            return false;
          }
        },
        d);
  }

  void refetch_thread(core::ThreadId which) {
    // The stream goes on without this thread's old updates; its state comes from a
    // snapshot entry when HTTP is there (otherwise only its later updates are kept).
    (void)store->drop_thread(which);
    if (!opt.http) return;
    HttpApi api(*opt.http, opt.token, opt.connect_timeout);
    if (auto snap = api.snapshot(opt.snapshot_messages))
      for (const auto& t : snap->threads)
        if (t.thread == which) (void)store->replace_thread(t, snap->seq);
  }

  void on_response(const mqtt_event::Message& m) {
    auto msg = wire::decode<wire::Message>(m.payload);
    if (m.qos == mqtt::QoS::at_least_once) enqueue(session->puback(m.packet_id));
    if (!msg) return;
    if (auto* r = std::get_if<wire::SendResult>(&*msg)) {
      inflight.erase(r->client_id);
      (void)store->outbox_acked(r->client_id, r->seq);
      refresh_outbox_size();
      if (cb.on_result) cb.on_result(*r);
      pump_outbox();
    } else if (auto* e = std::get_if<wire::Error>(&*msg)) {
      if (!e->client_id) {
        IRIS_LOG(warn, "client", "server error: {}", e->text);
        return;
      }
      auto it = inflight.find(*e->client_id);
      if (it == inflight.end()) {
        // Not in flight on this connection (answered twice, or from a previous one).
        if (cb.on_error) cb.on_error(to_error(e->code), e->client_id);
        return;
      }
      if (is_retryable(e->code)) {
        // Put it back; it goes out again on the next connection, after a backoff.
        queue.push_front(std::move(it->second));
        inflight.erase(it);
        ending = Ending::none;
        close_transport();
        return;
      }
      inflight.erase(it);
      (void)store->outbox_remove(*e->client_id);
      refresh_outbox_size();
      IRIS_LOG(info, "client", "send {} refused: {}", e->client_id->to_hex(), e->text);
      if (cb.on_error) cb.on_error(to_error(e->code), e->client_id);
      pump_outbox();
    }
  }

  void on_typing(const mqtt_event::Message& m) {
    auto msg = wire::decode<wire::Message>(m.payload);
    if (!msg) return;
    if (auto* t = std::get_if<wire::Typing>(&*msg); t && cb.on_typing) cb.on_typing(*t);
  }

  // TLS 1.3 tickets arrive after the handshake, before the server's first data: once CONNACK
  // is in, the session can be resumed. A copy is kept: OpenSSL marks the connection's own
  // session object not resumable when the connection ends in an error (a cut, which is when
  // a phone reconnects), and that object is shared with whoever holds a reference.
  void keep_tls_session() {
    if (!transport || !transport->tls) return;
    SSL_SESSION* s = SSL_get1_session(transport->tls->native_handle());
    if (s == nullptr) return;
    if (SSL_SESSION_is_resumable(s) == 1) {
      if (SSL_SESSION* copy = SSL_SESSION_dup(s)) tls_session.reset(copy);
    }
    SSL_SESSION_free(s);
  }

  void close_transport() {
    online = false;
    if (transport) transport->close();
    write_signal.cancel();
    ping_timer.cancel();
  }

  // Ends the connection's other loops when the read loop decides to leave (a resync, a
  // gap): they would otherwise keep the connection open, pinging, with nobody reading.
  void end_loops() {
    online = false;
    write_signal.cancel();
    ping_timer.cancel();
  }

  awaitable<void> read_loop() {
    struct Leave {
      Impl* self;
      ~Leave() { self->end_loops(); }
    } leave{this};
    std::array<std::uint8_t, 16 * 1024> buf;
    const auto idle = std::chrono::duration_cast<milliseconds>(opt.keep_alive) * 3 / 2;
    while (online) {
      transport->lowest().expires_after(idle);
      std::size_t n = co_await transport->read_some(asio::buffer(buf));
      auto events = session->on_bytes(std::span<const std::uint8_t>(buf.data(), n));
      if (!events) {
        IRIS_LOG(warn, "client", "bad MQTT from server: {}", events.error().message());
        co_return;
      }
      for (auto& ev : *events) {
        if (auto* m = std::get_if<mqtt_event::Message>(&ev)) {
          bool go_on = true;
          if (m->topic == topic_deltas) go_on = on_delta(*m);
          else if (m->topic == topic_responses) on_response(*m);
          else on_typing(*m);
          if (!go_on || !online) co_return;
        } else if (auto* a = std::get_if<mqtt_event::Acked>(&ev)) {
          // The resume is in place: a ping now brings a heartbeat with the head.
          if (a->packet_id == resume_packet) enqueue(session->pingreq());
        } else if (auto* c = std::get_if<mqtt_event::Closed>(&ev)) {
          // Told to use another server (in a cell: the user moved): go there at once.
          if (follow(c->reason, c->server_reference)) ending = Ending::reconnect_now;
          co_return;
        }
      }
    }
  }

  awaitable<void> write_loop() {
    while (online) {
      if (write_queue.empty()) {
        write_signal.expires_at(asio::steady_timer::time_point::max());
        boost::system::error_code ec;
        co_await write_signal.async_wait(asio::redirect_error(use_awaitable, ec));
        continue;
      }
      mqtt::Bytes bytes = std::move(write_queue.front());
      write_queue.pop_front();
      co_await transport->write(asio::buffer(bytes));
    }
  }

  awaitable<void> ping_loop() {
    const auto every = std::chrono::duration_cast<milliseconds>(opt.keep_alive) / 2;
    while (online) {
      ping_timer.expires_after(every);
      boost::system::error_code ec;
      co_await ping_timer.async_wait(asio::redirect_error(use_awaitable, ec));
      if (online) enqueue(session->pingreq());
    }
  }

  // CONNACK or DISCONNECT 0x9C/0x9D with a Server Reference: whether the next connection
  // goes there at once (ServerRedirect bounds the hops in a row).
  bool follow(mqtt::ReasonCode reason, const std::optional<std::string>& reference) {
    if (!reference || (reason != mqtt::ReasonCode::use_another_server && reason != mqtt::ReasonCode::server_moved))
      return false;
    redirecting = redirect.follow(*reference);
    if (redirecting) {
      IRIS_LOG(info, "client", "server reference: next connection to {}:{}", redirect.target().host,
               redirect.target().port);
    }
    return redirecting;
  }

  // ClientOptions::route_lookup: the owner's address, asked of the HTTP API, becomes the next
  // connection's target, as a Server Reference would. Blocking, bounded by connect_timeout,
  // with no MQTT connection open (like take_snapshot).
  void look_up_route() {
    if (!opt.route_lookup || !opt.http || opt.tls || redirect.redirected() || opt.max_redirects == 0) return;
    auto owner = HttpApi(*opt.http, opt.token, opt.connect_timeout).route_mqtt();
    if (!owner) {
      IRIS_LOG(debug, "client", "route lookup: {}; connecting to {}:{}", owner.error().message(), opt.host, opt.port);
      return;
    }
    const ServerAddress configured{opt.host, opt.port};
    if (parse_server_reference(*owner, opt.port) == std::optional<ServerAddress>(configured)) return;
    // Not `redirecting`: that connection ending any way sends the next one back here.
    if (redirect.follow(*owner)) IRIS_LOG(info, "client", "route lookup: the user lives at {}", *owner);
  }

  // One connection, from resolve to close. Returns the transport error that ended it.
  awaitable<std::error_code> connection() {
    set_state(ConnectionState::connecting);
    transport = std::make_unique<Transport>();
    try {
      tcp::resolver resolver(io);
      const ServerAddress& to = redirect.target();
      auto endpoints = co_await resolver.async_resolve(to.host, std::to_string(to.port), use_awaitable);
      if (stopping) co_return make_error_code(errc::stopped);
      if (opt.tls) {
        transport->tls.emplace(beast::tcp_stream(io), tls_ctx);
        set_sni(transport->tls->native_handle(), to.host);
        if (tls_session) SSL_set_session(transport->tls->native_handle(), tls_session.get());
      } else {
        transport->tcp.emplace(io);
      }
      transport->lowest().expires_after(opt.connect_timeout);
      co_await transport->lowest().async_connect(endpoints, use_awaitable);
      if (opt.tls) co_await transport->tls->async_handshake(asio::ssl::stream_base::client, use_awaitable);
    } catch (const boost::system::system_error& e) {
      IRIS_LOG(debug, "client", "connect {}:{}: {}", redirect.target().host, redirect.target().port,
               e.code().message());
      co_return make_error_code(errc::unreachable);
    }

    session.emplace(MqttSessionOptions{opt.device, std::to_string(opt.user.value()), opt.token,
                                       static_cast<std::uint16_t>(opt.keep_alive.count())});
    write_queue.clear();
    std::error_code result;
    try {
      auto hello = session->connect();
      co_await transport->write(asio::buffer(hello));
      // Wait for CONNACK (bounded by connect_timeout).
      std::array<std::uint8_t, 4096> buf;
      bool connected = false;
      while (!connected) {
        std::size_t n = co_await transport->read_some(asio::buffer(buf));
        auto events = session->on_bytes(std::span<const std::uint8_t>(buf.data(), n));
        if (!events) co_return make_error_code(errc::protocol);
        for (auto& ev : *events) {
          if (auto* r = std::get_if<mqtt_event::Refused>(&ev)) {
            transport->close();
            if (follow(r->reason, r->server_reference)) co_return make_error_code(errc::unavailable);
            if (r->reason == mqtt::ReasonCode::bad_user_name_or_password ||
                r->reason == mqtt::ReasonCode::not_authorized)
              co_return make_error_code(errc::bad_token);
            co_return make_error_code(errc::unavailable);
          }
          if (std::holds_alternative<mqtt_event::Connected>(ev)) connected = true;
        }
      }
      {
        std::lock_guard lock(mu);
        ++connections;
        redirect.connected();
        if (transport->tls && SSL_session_reused(transport->tls->native_handle()) == 1) ++tls_resumed;
      }
      keep_tls_session();
      online = true;
      ending = Ending::none;
      machine.on_connected();
      set_state(ConnectionState::syncing);
      std::vector<std::string> filters{topic_deltas, topic_responses};
      if (opt.typing)
        if (auto ts = store->threads())
          for (const auto& t : *ts) filters.push_back(wire::typing_topic(t.id));
      enqueue(session->subscribe(filters, mqtt::QoS::at_least_once));
      publish_resume();
      load_queue();
      pump_outbox();
      co_await (read_loop() || write_loop() || ping_loop());
    } catch (const boost::system::system_error& e) {
      result = make_error_code(errc::unreachable);
      IRIS_LOG(debug, "client", "connection ended: {}", e.code().message());
    }
    if (transport && !result && ending != Ending::none && !stopping) {
      // A clean goodbye when we chose to leave; the socket closes either way.
      auto bye = session->disconnect();
      transport->lowest().expires_after(milliseconds(200));
      try {
        co_await transport->write(asio::buffer(bye));
      } catch (const boost::system::system_error&) {
      }
    }
    close_transport();
    transport.reset();
    co_return result;
  }

  awaitable<void> run() {
    while (!stopping) {
      std::error_code ec;
      if (need_snapshot || (opt.http && store->position().epoch == core::Epoch{0} &&
                            rebuild_epoch == core::Epoch{0}))
        ec = take_snapshot();
      if (!ec && !stopping) look_up_route();
      if (!ec && !stopping) ec = co_await connection();
      if (stopping) break;
      // A reference is for the next connection only; any other ending goes back to the
      // configured server.
      const bool followed = std::exchange(redirecting, false);
      if (!followed) redirect.ended();
      set_state(ConnectionState::offline);
      {
        std::lock_guard lock(mu);
        if (ec && !followed) {  // a refusal naming the next server is not a failure
          last_error = ec;
          ++failures;
        }
        if (ec == errc::bad_token) fatal = ec;
      }
      cv.notify_all();
      if (ec == errc::bad_token) {
        if (cb.on_error) cb.on_error(ec, std::nullopt);
        break;
      }
      milliseconds delay{0};
      if (redirect.redirected()) delay = milliseconds{0};
      else if (ending == Ending::resume_later) delay = resume_delay;
      else if (ending == Ending::reconnect_now || ending == Ending::snapshot) delay = milliseconds{0};
      else delay = backoff.next();
      ending = Ending::none;
      if (delay.count() > 0) {
        retry_timer.expires_after(delay);
        boost::system::error_code tec;
        co_await retry_timer.async_wait(asio::redirect_error(use_awaitable, tec));
      }
    }
    set_state(ConnectionState::offline);
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() { stop(); }

Result<std::unique_ptr<Client>> Client::open(ClientOptions options, ClientCallbacks callbacks) {
  if (options.device.empty() || options.user == core::UserId{0})
    return fail(errc::not_configured);
  auto store = LocalStore::open(options.store_path);
  if (!store) return fail(store.error());
  if ((*store)->self() != options.user) {
    if ((*store)->self() != core::UserId{0}) {
      // Another user's store: start over rather than mix two inboxes.
      if (auto r = (*store)->reset(); !r) return fail(r.error());
    }
    if (auto r = (*store)->set_self(options.user); !r) return fail(r.error());
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(callbacks), std::move(*store));
  impl->load_queue();
  impl->refresh_outbox_size();
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

void Client::start() {
  Impl& i = *impl_;
  if (i.started) return;
  i.started = true;
  i.stopping = false;
  i.work.emplace(i.io.get_executor());
  asio::co_spawn(i.io, i.run(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      IRIS_LOG(error, "client", "client loop ended: {}", ex.what());
    }
  });
  i.thread = std::thread([&i] {
    i.thread_id = std::this_thread::get_id();
    i.io.run();
  });
}

void Client::stop() {
  Impl& i = *impl_;
  if (!i.started) return;
  asio::post(i.io, [&i] {
    i.stopping = true;
    i.close_transport();
    i.retry_timer.cancel();
    i.work.reset();
  });
  i.thread.join();
  i.io.restart();
  i.started = false;
  i.thread_id = {};
  i.set_state(ConnectionState::offline);
}

void Client::run_sync(std::function<void()> fn) {
  Impl& i = *impl_;
  if (!i.started || std::this_thread::get_id() == i.thread_id) {
    fn();
    return;
  }
  std::promise<void> done;
  asio::post(i.io, [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

const LocalStore& Client::store_ref() const { return *impl_->store; }

Result<void> Client::wait_live(std::chrono::milliseconds timeout) {
  Impl& i = *impl_;
  std::unique_lock lock(i.mu);
  const bool ok = i.cv.wait_for(lock, timeout, [&] {
    return i.state == ConnectionState::live || i.fatal || (i.failures > 0 && i.connections == 0);
  });
  if (i.state == ConnectionState::live) return {};
  if (i.fatal) return fail(i.fatal);
  if (i.failures > 0 && i.connections == 0) return fail(i.last_error);
  (void)ok;
  return fail(errc::timeout);
}

Result<void> Client::wait_outbox_empty(std::chrono::milliseconds timeout) {
  Impl& i = *impl_;
  std::unique_lock lock(i.mu);
  if (i.cv.wait_for(lock, timeout, [&] { return i.outbox_size == 0 || i.fatal; }) && !i.fatal)
    return {};
  return fail(i.fatal ? i.fatal : make_error_code(errc::timeout));
}

// Stores `e` in the outbox before it leaves, then queues it: the one path of every send and
// action. An entry with a client id already in the outbox (a retry) is not added twice.
Result<core::ClientMsgId> Client::enqueue(OutboxEntry e) {
  Result<core::ClientMsgId> out = fail(errc::stopped);
  run_sync([&] {
    Impl& i = *impl_;
    if (e.client_id == core::ClientMsgId{}) e.client_id = new_client_id();
    e.created = std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
    const bool queued = std::any_of(i.queue.begin(), i.queue.end(), [&](const auto& q) { return q.client_id == e.client_id; }) ||
                        i.inflight.contains(e.client_id);
    if (auto r = i.store->outbox_add(e); !r) {
      out = fail(r.error());
      return;
    }
    out = e.client_id;
    if (queued) return;
    i.queue.push_back(std::move(e));
    i.refresh_outbox_size();
    i.pump_outbox();
  });
  return out;
}

Result<core::ClientMsgId> Client::send(core::ThreadId thread, std::string text,
                                       std::vector<core::Attachment> attachments) {
  OutboxEntry e;
  e.kind = OutboxKind::send;
  e.thread = thread;
  e.text = std::move(text);
  e.attachments = std::move(attachments);
  return enqueue(std::move(e));
}

Result<core::ClientMsgId> Client::create_thread(std::string name, std::vector<core::UserId> others) {
  OutboxEntry e;
  e.kind = OutboxKind::create_thread;
  e.text = std::move(name);
  e.participants = std::move(others);
  return enqueue(std::move(e));
}

void Client::mark_read(core::ThreadId thread, core::MessageId up_to) {
  Impl& i = *impl_;
  auto fn = [&i, thread, up_to] {
    if (i.online) i.publish_request(wire::Message{wire::ReadRequest{thread, up_to}});
  };
  if (i.started) asio::post(i.io, fn);
}

Result<core::ClientMsgId> Client::act(core::ThreadId thread, core::MessageId message,
                                      wire::MessageAction action, std::string text,
                                      std::optional<core::ClientMsgId> retry_of) {
  OutboxEntry e;
  e.client_id = retry_of.value_or(core::ClientMsgId{});
  e.kind = OutboxKind::action;
  e.thread = thread;
  e.message = message;
  e.action = action;
  e.text = std::move(text);
  return enqueue(std::move(e));
}

Result<UploadedFile> Client::upload_file(const std::string& path, std::string name,
                                        std::string content_type) const {
  const ClientOptions& o = impl_->opt;  // set at open(), never changed: safe from any thread
  if (!o.http) return fail(errc::not_configured);
  return BlobTransfer(*o.http, o.token, o.connect_timeout).upload(path, std::move(name), std::move(content_type));
}

Result<std::uint64_t> Client::download_blob(const core::BlobId& id, const std::string& path) const {
  const ClientOptions& o = impl_->opt;
  if (!o.http) return fail(errc::not_configured);
  return BlobTransfer(*o.http, o.token, o.connect_timeout).download(id, path);
}

Result<core::ClientMsgId> Client::social(wire::SocialAction action, core::UserId user, core::ThreadId thread,
                                         core::GroupAdd group_add, std::optional<core::ClientMsgId> retry_of) {
  OutboxEntry e;
  e.client_id = retry_of.value_or(core::ClientMsgId{});
  e.kind = OutboxKind::social;
  e.social_action = action;
  e.user = user;
  e.thread = thread;
  e.group_add = group_add;
  return enqueue(std::move(e));
}

void Client::set_typing(core::ThreadId thread, bool active) {
  Impl& i = *impl_;
  auto fn = [&i, thread, active] {
    if (!i.online) return;
    i.enqueue(i.session->publish(wire::typing_topic(thread),
                                 wire::encode(wire::Message{wire::Typing{thread, i.opt.user, active}}),
                                 mqtt::QoS::at_most_once));
  };
  if (i.started) asio::post(i.io, fn);
}

ClientStatus Client::status() {
  ClientStatus s;
  run_sync([&] {
    Impl& i = *impl_;
    s.position = i.store->position();
    auto all = i.store->outbox();
    s.outbox = all ? all->size() : 0;
    std::lock_guard lock(i.mu);
    s.state = i.state;
    s.head = i.head;
    s.last_error = i.last_error;
    s.connections = i.connections;
    s.tls_resumed = i.tls_resumed;
  });
  return s;
}

}  // namespace iris::client
