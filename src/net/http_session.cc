// HTTP(S) sessions of the API (net/detail/http_session.h; contract in docs/PROTOCOL.md
// "HTTP API"). net/http_request_reader.h parses (every limit, no exception for any input),
// Beast writes; what a request asks, the status mapping and the metrics page are the pure
// units net/http_api_request.h, net/http_status.h and net/metrics_page.h.

#include "net/detail/http_session.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>

#include "base/log.h"
#include "net/cors.h"
#include "net/detail/http_answer.h"
#include "net/detail/http_blob_endpoints.h"
#include "net/detail/http_owner_forwarding.h"
#include "net/detail/http_owner_jobs.h"
#include "net/detail/server_core.h"
#include "net/detail/shard_sample.h"
#include "net/detail/tls_session.h"
#include "net/errc.h"
#include "net/gzip.h"
#include "net/http_api_request.h"
#include "net/http_request_reader.h"
#include "net/http_route.h"
#include "net/http_status.h"
#include "net/metrics_page.h"
#include "net/poll_hub.h"
#include "net/static_files.h"
#include "net/token.h"
#include "store/queue_store.h"
#include "wire/codec.h"
#include "wire/json_codec.h"

namespace iris::net::detail {
namespace {
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

// How long a closing connection waits for the peer's close after our last response.
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::size_t kGzipFrom = 256;  // bodies from this size on are gzip'd if accepted

// Tickets of long polls, unique across the server (PollHub::cancel names the one it drops).
std::atomic<std::uint64_t> poll_tickets{0};
template <class Stream>
class HttpSession final : public ConnectionBase,
                          public HttpBlobEndpoints<HttpSession<Stream>>,
                          public HttpOwnerForwarding<HttpSession<Stream>>,
                          public std::enable_shared_from_this<HttpSession<Stream>> {
  friend class HttpBlobEndpoints<HttpSession>;
  friend class HttpOwnerForwarding<HttpSession>;

 public:
  // shard must outlive the session (shards are joined after every connection closed).
  // `preauth` is the connection's pre-auth slot: held until a request authenticates.
  HttpSession(Shard& shard, Stream stream, PreauthTicket preauth)
      : shard_(shard), stream_(std::move(stream)), timer_(shard.io()), preauth_(std::move(preauth)),
        upload_(shard.core().blobs() ? std::make_unique<BlobUploadSink>(*shard.core().blobs(), shard.core().signer())
                                     : nullptr),
        reader_(shard.net_options().http, upload_.get()) {
    ++shard_.core().connections_open;
    const auto* sync = shard_.core().sync_options();
    if (sync != nullptr) limits_.snapshot_messages = std::min(sync->snapshot_latest, limits_.max_snapshot_messages);
    limits_.max_poll_timeout_ms = static_cast<std::uint64_t>(options().poll.max_timeout.count());
    limits_.poll_timeout_ms = std::min<std::uint64_t>(options().poll.timeout.count(), limits_.max_poll_timeout_ms);
  }
  ~HttpSession() override { --shard_.core().connections_open; }

  void start() {
    id_ = shard_.add(this->shared_from_this());
    if constexpr (kTls) {
      lowest().expires_after(shard_.net_options().handshake_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](ErrorCode ec) {
        if (self->closed_) return;
        if (ec) return self->finish();
        self->do_read();
      });
    } else {
      do_read();
    }
  }

  // ConnectionBase: the broker never talks to an HTTP session; shutdown closes it.
  void send(mqtt::Bytes) override {}
  void close_after_flush(std::error_code) override { finish(); }
  void on_deadline() override {}
  void abort() override { finish(); }
  void write_deferred() override {}
  void on_authenticated() override { preauth_.release(); }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  enum class Gather : std::uint8_t { health, metrics };
  // The long poll this session waits for, to cancel on its timeout or close.
  struct PollWait {
    core::UserId user;
    std::string device;
    std::uint64_t ticket = 0;
  };

  const HttpOptions& options() const { return shard_.net_options().http; }
  ServerCore& core() { return shard_.core(); }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // Starts reading the next request (bytes a client pipelined are already in the reader).
  void do_read() {
    if (reader_.status() == HttpRequestReader::Status::done) reader_.next();
    continued_ = false;
    lowest().expires_after(options().idle_timeout);
    on_reader();
  }

  void read_some() {
    stream_.async_read_some(reader_.prepare(), [self = this->shared_from_this()](ErrorCode ec, std::size_t n) {
      if (self->closed_) return;
      // Closed, reset or idle past http.idle_timeout (also mid-request): the connection just ends.
      if (ec) return self->finish();
      self->reader_.commit(n);
      self->on_reader();
    });
  }

  void on_reader() {
    switch (reader_.status()) {
      case HttpRequestReader::Status::need_more:
        if (reader_.wants_continue() && !continued_) return this->send_continue();
        return read_some();
      case HttpRequestReader::Status::done: return on_request();
      case HttpRequestReader::Status::refused: return guarded([this] { refuse(); });
      case HttpRequestReader::Status::closed: return finish();
    }
  }

  // A request the reader refused (a limit, a malformed request, an unsupported coding): its
  // status, and the connection closes once it is written.
  void refuse() {
    if (upload_) upload_->reset();
    ++core().http_requests;
    keep_alive_ = false;
    gzip_ = false;
    const HttpRequest& header = reader_.header();
    encoding_ = wants_json(header) ? Encoding::json : Encoding::compact;
    version_ = header.version();
    if (shard_.may_log()) {
      IRIS_LOG(info, "net", "http connection on shard {} refused a request: {}", shard_.index(),
               reader_.refusal().message());
    }
    respond(error_answer(encoding_, reader_.refusal()));
  }

  void on_request() {
    guarded([this] { handle(reader_.request()); });
  }

  // Nothing a request carries may end the shard's thread: a throw from handling it or from
  // writing its answer (an allocation failing, a bug) closes this connection with a log line.
  template <class F>
  void guarded(F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      IRIS_LOG(error, "net", "http request on shard {} failed: {}; closing its connection",
               shard_.index(), e.what());
      finish();
    }
  }

  void handle(const HttpRequest& req) {
    ++core().http_requests;
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    ApiRequest api = read_api_request(req, limits_, shard_.core().signer(), now);
    version_ = api.version;
    keep_alive_ = api.keep_alive;
    encoding_ = api.json ? Encoding::json : Encoding::compact;
    gzip_ = api.gzip;
    // A listed origin's preflight is answered here, before the route and the token it lacks.
    cors_ = cors_verdict(options().cors_origins, req.method_string(), req.target(), req[http::field::origin],
                         req[http::field::access_control_request_method]);
    if (cors_.preflight) return respond(text_answer(204, {}));
    if (!api.route) return respond(error_answer(encoding_, api.route.error()));
    const Route& route = *api.route;
    if (std::holds_alternative<HealthRoute>(route)) return gather(Gather::health);
    if (std::holds_alternative<MetricsRoute>(route)) return gather(Gather::metrics);
    if (const auto* r = std::get_if<AppRoute>(&route)) {
      return respond(app_answer(options(), app_config(core()), gzip_, req.target(), r->file));
    }
    if (!api.user) return respond(error_answer(encoding_, api.user.error()));
    on_authenticated();
    const Encoding enc = encoding_;
    const core::UserId who = *api.user;
    if (std::holds_alternative<BlobUploadRoute>(route)) return this->finish_upload();
    if (const auto* r = std::get_if<BlobDownloadRoute>(&route)) return this->download(who, r->blob, req);
    // Discovery answers from this server's watched copy of the deployment: no owner hop.
    if (std::holds_alternative<UserRouteRoute>(route)) return respond(route_answer(enc, core().cell_routing(), who));
    if (std::holds_alternative<AdminCellsRoute>(route)) return respond(admin_answer(enc, core().cell_routing(), who));
    // In a cell, another server's user is that server's question (a long poll waits there).
    const auto* p = std::get_if<PollRoute>(&route);
    if (this->forwarded_elsewhere(who, req, std::chrono::milliseconds(p ? p->timeout_ms : 0))) return;
    if (p != nullptr) return poll(who, std::move(api.device), *p);
    if (auto* sms = std::get_if<SmsNumberRoute>(&route)) {
      return respond(sms_numbers_answer(enc, core().sms_verifier(), who, *sms, req.body()));
    }
    // Everything else is a question for the sync service of the user's owner shard.
    auto job = owner_job(route, who, enc, api.body);
    if (!job) return respond(std::move(job.error()));
    ask_owner(who, std::move(*job));
  }

  // GET /v1/poll: held on the owner shard's PollHub until it has something or the poll's
  // timeout passes (then 204 here, and the hub forgets the poll).
  void poll(core::UserId who, std::string device, const PollRoute& r) {
    poll_ = PollWait{who, device, ++poll_tickets};
    ServerCore* owner = &core();
    const auto timeout = std::chrono::milliseconds(r.timeout_ms);
    ask_owner(who, [owner, who, device = std::move(device), enc = encoding_, r, ticket = poll_->ticket](
                       sync::SyncShard&, const Deliver& deliver) {
      poll_on_owner(owner->poll_hub_of(who), who, device, enc, r, ticket, deliver);
    }, timeout);
  }

  // The hub forgets the poll this session gave up on.
  void cancel_poll() {
    if (!poll_) return;
    ServerCore* owner = &core();
    core().to_owner(poll_->user, [owner, p = std::move(*poll_)](sync::SyncShard&) {
      owner->poll_hub_of(p.user).cancel(p.user, p.device, p.ticket);
    });
    poll_.reset();
  }

  // Starts waiting for an answer: false (and a 503 sent) when too many requests wait. A
  // long poll waits `poll_wait` and then answers 204.
  bool begin_wait(std::optional<std::chrono::milliseconds> poll_wait = std::nullopt) {
    if (core().http_pending.fetch_add(1) >= options().max_pending) {
      --core().http_pending;
      respond(error_answer(encoding_, errc::shard_busy));
      return false;
    }
    waiting_ = true;
    const std::uint64_t generation = ++generation_;
    timer_.expires_after(poll_wait.value_or(options().shard_timeout));
    timer_.async_wait([self = this->shared_from_this(), generation](ErrorCode ec) {
      if (ec || !self->settle(generation)) return;
      if (self->poll_) {
        self->cancel_poll();
        return self->respond(text_answer(204, {}));
      }
      if (self->shard_.may_log()) {
        IRIS_LOG(warn, "net", "HTTP request on shard {} got no shard answer within {} ms",
                 self->shard_.index(), self->options().shard_timeout.count());
      }
      // /healthz and /metrics answer in text, the API in an Envelope.
      self->respond(self->gathering_ ? text_answer(503, "a shard did not answer\n", true)
                                     : error_answer(self->encoding_, errc::shard_busy));
    });
    return true;
  }

  // Ends the wait of `generation` if it is the current one; false for a late answer.
  bool settle(std::uint64_t generation) {
    if (!waiting_ || generation != generation_) return false;
    waiting_ = false;
    --core().http_pending;
    timer_.cancel();
    return true;
  }

  // Runs `work` on the owner shard of `user`; the Answer it delivers comes back here. Only
  // a weak reference crosses threads, so the session is always destroyed on its own shard.
  void ask_owner(core::UserId user, std::function<void(sync::SyncShard&, const Deliver&)> work,
                 std::optional<std::chrono::milliseconds> poll_wait = std::nullopt) {
    if (!begin_wait(poll_wait)) return;
    std::weak_ptr<HttpSession> weak = this->shared_from_this();
    Shard* home = &shard_;
    core().to_owner(user, [weak, home, generation = generation_, work = std::move(work)](sync::SyncShard& s) {
      work(s, [weak, home, generation](Answer a) {
        asio::post(home->io(), [weak, generation, a = std::move(a)]() mutable {
          if (auto self = weak.lock(); self && self->settle(generation)) self->respond(std::move(a));
        });
      });
    });
  }

  // /healthz and /metrics: every shard answers on its own thread.
  void gather(Gather what) {
    if (!begin_wait()) return;
    gathering_ = what;
    page_ = MetricsPage{};
    answered_ = 0;
    std::weak_ptr<HttpSession> weak = this->shared_from_this();
    Shard* home = &shard_;
    for (std::size_t i = 0; i < core().shard_count(); ++i) {
      Shard& target = core().shard(i);
      asio::post(target.io(), [weak, home, &target, generation = generation_] {
        asio::post(home->io(), [weak, generation, sample = sample_of(target)] {
          if (auto self = weak.lock()) self->on_sample(generation, sample);
        });
      });
    }
  }

  void on_sample(std::uint64_t generation, const ShardSample& s) {
    guarded([&] { add_sample(generation, s); });
  }

  void add_sample(std::uint64_t generation, const ShardSample& s) {
    if (!waiting_ || generation != generation_) return;
    page_.add_shard(s.mqtt, s.slow_consumers, s.sync, s.devices, s.lags);
    if (++answered_ < core().shard_count() || !settle(generation)) return;
    const auto* store = core().store();
    page_.store = store != nullptr ? store->stats() : store::StoreStats{};
    if (gathering_ == Gather::health) {
      if (!page_.store.writable) return respond(text_answer(503, "store not writable\n", true));
      return respond(text_answer(200, "ok\n"));
    }
    respond(metrics_answer(core(), page_));
  }

  void respond(Answer a) {
    guarded([&] { write_answer(std::move(a)); });
  }

  void after_write(ErrorCode ec) {
    if (closed_) return;
    if (ec) return finish();
    if (!keep_alive_) return linger();
    do_read();
  }

  void write_answer(Answer a) {
    if (closed_) return;
    if (a.proceed) return this->send_blob(a.status == 200);
    if (a.status >= 400) ++core().http_errors;
    gathering_.reset();
    poll_.reset();
    res_ = {};
    res_.version(version_);
    res_.result(a.status);
    res_.set(http::field::server, "irisd");
    res_.set(http::field::content_type, a.content_type_text.empty() ? a.content_type : a.content_type_text);
    if (a.retry_after) res_.set(http::field::retry_after, std::to_string(a.retry_after_s));
    if (!a.location.empty()) res_.set(http::field::location, a.location);
    if (!a.content_range.empty()) res_.set(http::field::content_range, a.content_range);
    for (const auto& [name, value] : cors_.headers) res_.set(name, value);
    cors_ = {};  // the next request on this connection decides its own
    res_.keep_alive(keep_alive_);
    // Small bodies (errors, acks) are not worth the compressor's header and time.
    if (a.gzipped || (gzip_ && a.body.size() >= kGzipFrom)) {
      res_.set(http::field::content_encoding, "gzip");
      if (!a.gzipped) a.body = gzip(a.body);
    }
    res_.body() = std::move(a.body);
    res_.prepare_payload();
    lowest().expires_after(options().idle_timeout);
    http::async_write(stream_, res_, [self = this->shared_from_this()](ErrorCode ec, std::size_t) {
      self->after_write(ec);
    });
  }

  // The last response is written: send FIN, then read and drop what the client still sends
  // (e.g. the rest of a body over the limit) until it closes or kLingerTimeout passes, so the
  // close does not turn into a reset that could destroy the response before it is read.
  void linger() {
    ErrorCode ec;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    lowest().expires_after(kLingerTimeout);
    do_drain();
  }

  void do_drain() {
    lowest().async_read_some(asio::buffer(drain_),
                             [self = this->shared_from_this()](ErrorCode ec, std::size_t) {
                               if (self->closed_) return;
                               if (ec) return self->finish();
                               self->do_drain();
                             });
  }

  void finish() {
    if (closed_) return;
    closed_ = true;
    if (waiting_) {
      waiting_ = false;
      --core().http_pending;
      cancel_poll();
    }
    timer_.cancel();
    this->cancel_forward();
    ErrorCode ec;
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) keep_session_on_close(stream_.native_handle());
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    lowest().close();
    shard_.remove(id_);  // may drop the registry's reference; handlers hold their own
  }

  Shard& shard_;
  Stream stream_;
  asio::steady_timer timer_;  // the wait for a shard's answer
  PreauthTicket preauth_;
  std::unique_ptr<BlobUploadSink> upload_;  // null without a blob store; before reader_, which uses it
  HttpRequestReader reader_;
  bool continued_ = false;  // the current request got its 100 Continue
  http::response<http::string_body> res_;
  RouteLimits limits_;
  mqtt::ConnId id_{};
  unsigned version_ = 11;
  Encoding encoding_ = Encoding::compact;
  bool keep_alive_ = false;
  bool gzip_ = false;  // the request's Accept-Encoding admits gzip
  CorsVerdict cors_;   // the CORS fields of the current request's answer
  bool closed_ = false;
  bool waiting_ = false;
  std::uint64_t generation_ = 0;  // of the current wait; a late answer carries an older one
  std::optional<Gather> gathering_;
  std::optional<PollWait> poll_;
  std::array<char, 512> drain_;  // what linger() reads, dropped
  MetricsPage page_;
  std::size_t answered_ = 0;
};

}  // namespace

void start_http_session(Shard& shard, tcp::socket socket, asio::ssl::context* tls, PreauthTicket preauth) {
  ErrorCode ec;
  socket.set_option(tcp::no_delay(true), ec);
  if (tls != nullptr) {
    using Stream = beast::ssl_stream<beast::tcp_stream>;
    std::make_shared<HttpSession<Stream>>(shard, Stream(beast::tcp_stream(std::move(socket)), *tls),
                                          std::move(preauth))
        ->start();
    return;
  }
  std::make_shared<HttpSession<beast::tcp_stream>>(shard, beast::tcp_stream(std::move(socket)), std::move(preauth))
      ->start();
}

}  // namespace iris::net::detail
