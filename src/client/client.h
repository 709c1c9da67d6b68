#pragma once
// Client: the SDK an app embeds. It keeps a device's inbox in a LocalStore (SQLite) in
// step with the server: a snapshot over HTTP when it has nothing (or is told to resync),
// then one MQTT connection (TCP or TLS) that resumes from the stored (epoch, seq) and
// applies every delta batch atomically; a lost connection is retried with exponential
// backoff and jitter. Sends go through a persistent outbox: stored before they leave,
// retried across reconnects and restarts until the server acknowledges them, shown once.
//
// Threading: start() runs the client on its own thread (one io_context). Every callback
// runs on that thread, one at a time, and must not block for long; the public methods
// are safe from any thread (they post to the client's thread, and those returning a
// result wait for it). Before start() and after stop() they run on the caller's thread.
//
// Lifetime: stop() (or the destructor) closes the connection and joins the thread; the
// store stays consistent whenever the process dies.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "base/result.h"
#include "client/blob_transfer.h"
#include "client/http_api.h"
#include "client/local_store.h"
#include "wire/messages.h"

namespace iris::client {

enum class ConnectionState : std::uint8_t {
  offline,     // not connected; waiting to retry (or stopped)
  connecting,  // TCP/TLS/MQTT handshake
  syncing,     // connected, catching up (or taking a snapshot)
  live,        // holds everything up to the head the server last reported
};
std::string_view to_string(ConnectionState s);

struct ClientOptions {
  // MQTT endpoint: host and port; tls for MQTT over TLS (irisd's mqtt.tls_port).
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  bool tls = false;
  // TLS: verify the server's certificate against ca_file (system CAs when empty).
  bool tls_verify = true;
  std::string ca_file;
  // HTTP endpoint for snapshots and thread creation; without it a device with no state
  // rebuilds by resuming from seq 0 (the whole retained queue) instead of a snapshot.
  std::optional<HttpEndpoint> http;

  core::UserId user;
  std::string device;  // the MQTT client id the token was issued for
  std::string token;
  std::string store_path;  // SQLite file; ":memory:" for none

  // Largest catch-up taken as deltas (ResumeRequest.max_updates); beyond it the server
  // answers backlog_too_large and the client takes a snapshot. 0 = any.
  std::uint32_t max_updates = 0;
  // Messages per thread asked of a snapshot.
  std::size_t snapshot_messages = 20;
  // Reconnect delays (Backoff): the first retry waits in [initial/2, initial], doubling to
  // at most `backoff_max`. Defaults 200 ms and 30 s.
  std::chrono::milliseconds backoff_initial{200};
  std::chrono::milliseconds backoff_max{30'000};
  // MQTT keep-alive; the client pings at half of it and gets the head seq each time.
  std::chrono::seconds keep_alive{30};
  // Connect (TCP + TLS + CONNACK) and HTTP call timeout.
  std::chrono::milliseconds connect_timeout{5'000};
  // Sends in flight at once (published, not yet answered).
  std::size_t send_window = 32;
  // Server References followed in a row (MQTT 5 CONNACK or DISCONNECT 0x9C/0x9D: in a cell,
  // the server owning the user) before going back to host:port. Each is used for the next
  // connection only. 0 = never follow one. Default 3.
  std::uint32_t max_redirects = 3;
  // Before connecting to host:port (first, and whenever a connection ended without a Server
  // Reference), ask the HTTP endpoint where the user lives (GET /v1/route) and connect to
  // that server's MQTT address directly, counted as a reference (max_redirects). Needs `http`;
  // plain MQTT over TCP only (the route names the owner's TCP port); a failed lookup falls
  // back to host:port, which relays. Default false.
  bool route_lookup = false;
  // Seed of the reconnect jitter; 0 = random.
  std::uint64_t seed = 0;
  // Subscribe to typing signals of every known thread (callbacks.on_typing).
  bool typing = false;
};

struct Progress {
  enum class Phase : std::uint8_t { snapshot, catch_up } phase = Phase::catch_up;
  std::uint64_t done = 0;   // updates applied (catch-up) or threads stored (snapshot)
  std::uint64_t total = 0;  // 0 when unknown yet
};

struct ClientCallbacks {
  // A batch was applied to the store: its updates, in order.
  std::function<void(const wire::DeltaBatch&)> on_batch;
  // The local state was replaced by a snapshot.
  std::function<void(const wire::Snapshot&)> on_snapshot;
  std::function<void(ConnectionState)> on_state;
  // A send (or thread creation) was accepted and is durable: its result.
  std::function<void(const wire::SendResult&)> on_result;
  // A send was refused for good (it left the outbox), or the client hit an error it cannot
  // recover from by retrying (bad token: the client stops retrying).
  std::function<void(std::error_code, std::optional<core::ClientMsgId>)> on_error;
  std::function<void(const wire::Typing&)> on_typing;
  // The server pushed the user's unread count (protocol version 5: docs/PROTOCOL.md "Badge").
  std::function<void(const wire::Badge&)> on_badge;
  std::function<void(const Progress&)> on_progress;
};

struct ClientStatus {
  Position position;
  ConnectionState state = ConnectionState::offline;
  std::size_t outbox = 0;
  std::optional<core::Seq> head;        // as last reported by the server
  std::error_code last_error;           // why the last connection ended, if it did
  std::uint64_t connections = 0;        // connections made (CONNACK received)
  std::uint64_t tls_resumed = 0;        // of those, TLS ones that resumed the previous session
};

class Client {
 public:
  static Result<std::unique_ptr<Client>> open(ClientOptions options, ClientCallbacks callbacks);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void start();
  void stop();

  // Waits until the client is live (up to date with the head), a fatal error, or timeout.
  // Returns the error that kept it from getting there (unreachable, bad_token, timeout).
  Result<void> wait_live(std::chrono::milliseconds timeout);
  // Waits until the outbox is empty (every send echoed) or the timeout.
  Result<void> wait_outbox_empty(std::chrono::milliseconds timeout);

  // Stores the send in the outbox (durable when this returns), then sends it when online.
  // `attachments`: references to blobs this user uploaded (upload_file), as upload answered.
  Result<core::ClientMsgId> send(core::ThreadId thread, std::string text,
                                 std::vector<core::Attachment> attachments = {});
  Result<core::ClientMsgId> create_thread(std::string name, std::vector<core::UserId> others);
  // Best effort while online: read receipts are watermarks, the next one covers this one.
  void mark_read(core::ThreadId thread, core::MessageId up_to);
  // Edits, unsends, deletes for me or reacts to `message` (wire::MessageActionRequest;
  // `text`: the new text or the reaction, empty takes a reaction back). Kept in the outbox
  // as a send is (durable when this returns, retried across reconnects and restarts, applied
  // once: the server deduplicates by the returned client id); the answer comes to
  // callbacks.on_result / on_error under that id. `retry_of`: the id of an earlier call,
  // to ask again for the same action (no second entry while the first is kept). The local
  // store applies it when its update comes back in a batch.
  Result<core::ClientMsgId> act(core::ThreadId thread, core::MessageId message,
                                wire::MessageAction action, std::string text,
                                std::optional<core::ClientMsgId> retry_of = std::nullopt);
  // Changes the user's contacts, blocks, a thread's folder or the group-add setting
  // (wire::SocialRequest: `user` for the contact actions, `thread` for accept, archive and
  // unarchive, `group_add` for set_group_add). Kept in the outbox and answered like act();
  // the local store applies it when its update comes back (with_store: LocalStore::social(),
  // StoredThread::folder).
  Result<core::ClientMsgId> social(wire::SocialAction action, core::UserId user, core::ThreadId thread,
                                   core::GroupAdd group_add = core::GroupAdd::contacts,
                                   std::optional<core::ClientMsgId> retry_of = std::nullopt);
  void set_typing(core::ThreadId thread, bool active);

  // Attachments (docs/PROTOCOL.md "Blobs"), over the HTTP endpoint (errc::not_configured
  // without one). Blocking on the caller's thread, never the client's: a large file does not
  // hold up the sync. upload_file streams the file and returns the reference to pass to
  // send(); download_blob streams a blob to `path`, resuming a partial download
  // (BlobTransfer). Each socket operation is bounded by connect_timeout.
  Result<UploadedFile> upload_file(const std::string& path, std::string name = {},
                                   std::string content_type = {}) const;
  Result<std::uint64_t> download_blob(const core::BlobId& id, const std::string& path) const;

  ClientStatus status();
  // Runs `fn` with the store on the client's thread and returns its result.
  template <typename F>
  auto with_store(F&& fn) -> decltype(fn(std::declval<const LocalStore&>()));

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  void run_sync(std::function<void()> fn);
  Result<core::ClientMsgId> enqueue(OutboxEntry entry);
  const LocalStore& store_ref() const;
  std::unique_ptr<Impl> impl_;
};

template <typename F>
auto Client::with_store(F&& fn) -> decltype(fn(std::declval<const LocalStore&>())) {
  using R = decltype(fn(std::declval<const LocalStore&>()));
  if constexpr (std::is_void_v<R>) {
    run_sync([&] { fn(store_ref()); });
  } else {
    std::optional<R> out;
    run_sync([&] { out.emplace(fn(store_ref())); });
    return std::move(*out);
  }
}

// A new random client message id (128 bits from the OS's random source).
core::ClientMsgId new_client_id();

}  // namespace iris::client
