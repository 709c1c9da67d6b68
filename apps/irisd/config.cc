#include "apps/irisd/config.h"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "core/ids.h"
#include "mqtt/topic.h"
#include "net/cors.h"
#include "sms/outgoing.h"
#include "store/blob/blob_service.h"
#include "store/mariadb/connection.h"

namespace iris::irisd {
namespace {

// The web/ folder the build installs next to the irisd binary; empty if there is none.
std::string default_app_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const auto dir = exe.parent_path() / "web";
  return std::filesystem::is_directory(dir, ec) ? dir.string() : std::string();
}

// The first line of the file at `path` (a secret: not in flags, where other users see it).
std::string read_first_line(std::string_view key, std::string_view path) {
  std::ifstream in{std::string(path)};
  std::string line;
  if (!in || !std::getline(in, line)) throw std::runtime_error(fmt::format("{}: cannot read '{}'", key, path));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) throw std::runtime_error(fmt::format("{}: '{}' starts with an empty line", key, path));
  return line;
}

struct Option {
  std::string_view key;
  std::string_view help;  // meaning, unit, default, trade-off
  std::function<void(Config&, std::string_view)> set;
};

std::uint64_t to_u64(std::string_view key, std::string_view v) {
  std::uint64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size() || v.empty()) {
    throw std::runtime_error(fmt::format("{}: expected a non-negative integer, got '{}'", key, v));
  }
  return out;
}

bool to_bool(std::string_view key, std::string_view v) {
  if (v == "true" || v == "on" || v == "yes" || v == "1") return true;
  if (v == "false" || v == "off" || v == "no" || v == "0") return false;
  throw std::runtime_error(fmt::format("{}: expected true or false, got '{}'", key, v));
}

// A user id as every part spells it (core::parse_id), for `irisd token` and `irisd trim`.
std::uint64_t to_user_id(std::string_view command, std::string_view v) {
  const auto id = core::parse_id(v);
  if (!id || *id == 0) {
    throw std::runtime_error(fmt::format(
        "{}: --user must be a user id: a decimal number from 1 to 18446744073709551615, "
        "without sign or leading zeros; got '{}'",
        command, v));
  }
  return *id;
}

std::uint64_t to_u64_max(std::string_view key, std::string_view v, std::uint64_t max) {
  const auto n = to_u64(key, v);
  if (n > max) throw std::runtime_error(fmt::format("{}: at most {}, got {}", key, max, n));
  return n;
}

// mqtt.deny_subscribe: `filter:code,filter:code,...`; the code (hex 0x.. or decimal) must be
// a failure a SUBACK may carry (MQTT 5.0 §3.9.3). Empty = none.
std::vector<mqtt::MqttOptions::DeniedFilter> to_denied_filters(std::string_view key,
                                                                std::string_view v) {
  std::vector<mqtt::MqttOptions::DeniedFilter> out;
  while (!v.empty()) {
    const auto comma = v.find(',');
    std::string_view item = v.substr(0, comma);
    v = comma == std::string_view::npos ? std::string_view() : v.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    const auto colon = item.rfind(':');
    if (colon == std::string_view::npos) {
      throw std::runtime_error(fmt::format("{}: expected filter:code, got '{}'", key, item));
    }
    const std::string_view filter = item.substr(0, colon);
    std::string_view code = item.substr(colon + 1);
    if (!mqtt::is_valid_topic_filter(filter)) {
      throw std::runtime_error(fmt::format("{}: '{}' is not a valid topic filter", key, filter));
    }
    int base = 10;
    if (code.starts_with("0x") || code.starts_with("0X")) {
      code.remove_prefix(2);
      base = 16;
    }
    unsigned value = 0;
    const auto [p, ec] = std::from_chars(code.data(), code.data() + code.size(), value, base);
    const auto rc = static_cast<mqtt::ReasonCode>(value);
    if (ec != std::errc() || p != code.data() + code.size() || code.empty() || value > 0xFF ||
        !mqtt::is_failure(rc) || !mqtt::is_allowed(mqtt::PacketType::suback, rc)) {
      throw std::runtime_error(fmt::format(
          "{}: '{}' is not a SUBACK failure code (0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, "
          "0xA1, 0xA2)", key, item.substr(colon + 1)));
    }
    out.push_back({std::string(filter), rc});
  }
  return out;
}

// A rate limit's burst: at least one request must fit.
double to_burst(std::string_view key, std::string_view v) {
  const auto n = to_u64_max(key, v, 1'000'000);
  if (n == 0) throw std::runtime_error(fmt::format("{}: must be at least 1", key));
  return static_cast<double>(n);
}

// A listener port: 1-65535, 0 (pick a free one) or `off`.
std::optional<std::uint16_t> to_port(std::string_view key, std::string_view v) {
  if (v == "off") return std::nullopt;
  return static_cast<std::uint16_t>(to_u64_max(key, v, 65535));
}

// A comma-separated list of MariaDB servers, each host:port ([v6]:port).
std::vector<std::string> to_servers(std::string_view key, std::string_view v) {
  std::vector<std::string> out;
  while (true) {
    const auto comma = v.find(',');
    std::string_view item = v.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!store::mariadb::parse_server(item)) {
      throw std::runtime_error(fmt::format("{}: '{}' is not host:port (IPv6 as [addr]:port)", key, item));
    }
    out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    v = v.substr(comma + 1);
  }
  return out;
}

// A duration: a number with an optional unit s, m, h or d (default seconds).
std::chrono::seconds to_duration(std::string_view key, std::string_view v) {
  std::uint64_t unit = 1;
  if (!v.empty()) {
    switch (v.back()) {
      case 's': unit = 1; v.remove_suffix(1); break;
      case 'm': unit = 60; v.remove_suffix(1); break;
      case 'h': unit = 3600; v.remove_suffix(1); break;
      case 'd': unit = 86400; v.remove_suffix(1); break;
      default: break;
    }
  }
  return std::chrono::seconds(to_u64_max(key, v, 100ull * 365 * 86400) * unit);
}

const std::vector<Option>& options() {
  static const std::vector<Option> kOptions = {
      {"data_dir", "Directory for all server data; the queue store is <data_dir>/queue. Default: data",
       [](Config& c, std::string_view v) { c.data_dir = std::string(v); }},
      {"log_level", "debug, info, warn or error. Default: info",
       [](Config& c, std::string_view v) {
         if (v == "debug") c.log_level = log::Level::debug;
         else if (v == "info") c.log_level = log::Level::info;
         else if (v == "warn") c.log_level = log::Level::warn;
         else if (v == "error") c.log_level = log::Level::error;
         else throw std::runtime_error(fmt::format("log_level: expected debug, info, warn or error, got '{}'", v));
       }},
      {"store.sync",
       "Sync the write-ahead log before acknowledging a write (true/false). Default: true. "
       "Off loses acknowledged sends on power loss; for benchmarks only",
       [](Config& c, std::string_view v) { c.store.sync = to_bool("store.sync", v); }},
      {"store.max_queue_length",
       "Most updates one user's queue retains; appends beyond it are refused with an error. "
       "Default: 1000000",
       [](Config& c, std::string_view v) { c.store.max_queue_length = to_u64("store.max_queue_length", v); }},
      {"store.max_sender_share",
       "Most updates one other user's requests (sends, receipts, thread changes) may hold in a "
       "user's queue; beyond it that sender alone is refused queue_full (MQTT 5.0 PUBACK 0x97) "
       "while everyone else, the queue's owner first, goes on. 0 = no share. Default: 100000",
       [](Config& c, std::string_view v) { c.store.max_sender_share = to_u64("store.max_sender_share", v); }},
      {"store.max_pending",
       "Most writes waiting for the commit thread before new ones are refused as overloaded. "
       "Default: 100000",
       [](Config& c, std::string_view v) { c.store.max_pending = to_u64("store.max_pending", v); }},
      {"store.write_buffer_bytes", "RocksDB memtable size in bytes. Default: 67108864 (64 MiB)",
       [](Config& c, std::string_view v) { c.store.write_buffer_bytes = to_u64("store.write_buffer_bytes", v); }},
      {"store.recovery_backoff_ms",
       "After a failed write (e.g. a full disk) the queue store refuses writes (sends answer "
       "`unavailable`, /healthz 503) and retries recovery after this many milliseconds, doubling "
       "up to store.recovery_backoff_max_ms, until the cause is gone; no restart needed. Default: 100",
       [](Config& c, std::string_view v) {
         c.store.recovery_backoff = std::chrono::milliseconds(to_u64_max("store.recovery_backoff_ms", v, 3'600'000));
         if (c.store.recovery_backoff.count() == 0) throw std::runtime_error("store.recovery_backoff_ms: must be positive");
       }},
      {"store.recovery_backoff_max_ms",
       "Longest wait between two recovery attempts of the queue store after a failed write, in "
       "milliseconds: how long a freed disk may go unnoticed. Default: 5000",
       [](Config& c, std::string_view v) {
         c.store.recovery_backoff_max = std::chrono::milliseconds(to_u64_max("store.recovery_backoff_max_ms", v, 3'600'000));
         if (c.store.recovery_backoff_max.count() == 0) throw std::runtime_error("store.recovery_backoff_max_ms: must be positive");
       }},
      {"store.backend",
       "Where the queues live: rocksdb (embedded, <data_dir>/queue, one node) or mariadb (the "
       "mariadb.* servers: a primary and a semi-sync replica; every acknowledged send is "
       "committed there). Default: rocksdb",
       [](Config& c, std::string_view v) {
         if (v == "rocksdb") c.store_backend = StoreBackend::rocksdb;
         else if (v == "mariadb") c.store_backend = StoreBackend::mariadb;
         else throw std::runtime_error(fmt::format("store.backend: expected rocksdb or mariadb, got '{}'", v));
       }},
      {"mariadb.servers",
       "MariaDB servers as host:port, comma-separated: give both servers of a replicated pair. "
       "irisd writes to the one that is writable (@@read_only = 0) and looks again after an "
       "error, so a promotion is followed without a restart. Default: 127.0.0.1:3306",
       [](Config& c, std::string_view v) { c.mariadb.servers = to_servers("mariadb.servers", v); }},
      {"mariadb.user",
       "MariaDB account; needs SELECT, INSERT, UPDATE, DELETE and CREATE on mariadb.database, "
       "and must not hold SUPER or READ_ONLY ADMIN (they bypass a fenced server's read_only). "
       "Default: iris",
       [](Config& c, std::string_view v) { c.mariadb.user = std::string(v); }},
      {"mariadb.password",
       "Password of mariadb.user. Prefer mariadb.password_file, or this key in a config file "
       "of mode 0600: a flag is visible to other local users. Default: empty",
       [](Config& c, std::string_view v) { c.mariadb.password = std::string(v); }},
      {"mariadb.password_file",
       "File whose first line is the password of mariadb.user (read at startup). Default: none",
       [](Config& c, std::string_view v) {
         std::ifstream in{std::string(v)};
         std::string line;
         if (!in || !std::getline(in, line)) {
           throw std::runtime_error(fmt::format("mariadb.password_file: cannot read '{}'", v));
         }
         if (!line.empty() && line.back() == '\r') line.pop_back();
         c.mariadb.password = line;
       }},
      {"mariadb.database", "Database of the queue tables (created at first start). Default: iris",
       [](Config& c, std::string_view v) {
         if (v.empty()) throw std::runtime_error("mariadb.database: must not be empty");
         c.mariadb.database = std::string(v);
       }},
      {"mariadb.pool_size",
       "Connections for reads (catch-ups, snapshots, the history writer); more concurrent "
       "readers wait. The commit threads have mariadb.commit_connections more. Default: 4",
       [](Config& c, std::string_view v) {
         c.mariadb.pool_size = to_u64_max("mariadb.pool_size", v, 256);
         if (c.mariadb.pool_size == 0) throw std::runtime_error("mariadb.pool_size: must be at least 1");
       }},
      {"mariadb.commit_connections",
       "Connections (each with a commit thread) committing groups of writes at once; groups in "
       "flight never share a user. More overlap more commits' disk and replica waits. Default: 4",
       [](Config& c, std::string_view v) {
         c.mariadb.commit_connections = to_u64_max("mariadb.commit_connections", v, 64);
         if (c.mariadb.commit_connections == 0) {
           throw std::runtime_error("mariadb.commit_connections: must be at least 1");
         }
       }},
      {"mariadb.connect_timeout",
       "Longest wait for a connection to a MariaDB server (s, m, h; whole seconds). Default: 2s",
       [](Config& c, std::string_view v) {
         c.mariadb.connect_timeout = to_duration("mariadb.connect_timeout", v);
         if (c.mariadb.connect_timeout.count() == 0) throw std::runtime_error("mariadb.connect_timeout: must be positive");
       }},
      {"mariadb.read_timeout",
       "Longest wait for one query's answer, COMMIT included (which waits for the semi-sync "
       "replica); past it the operation fails with unavailable and the connection is dropped. "
       "Default: 10s",
       [](Config& c, std::string_view v) {
         c.mariadb.read_timeout = to_duration("mariadb.read_timeout", v);
         if (c.mariadb.read_timeout.count() == 0) throw std::runtime_error("mariadb.read_timeout: must be positive");
       }},
      {"mariadb.write_timeout", "Longest wait to send one query. Default: 10s",
       [](Config& c, std::string_view v) {
         c.mariadb.write_timeout = to_duration("mariadb.write_timeout", v);
         if (c.mariadb.write_timeout.count() == 0) throw std::runtime_error("mariadb.write_timeout: must be positive");
       }},
      {"mariadb.retry_backoff_ms",
       "With no writable server, writes fail with unavailable at once and the next search for "
       "one waits this long, doubling up to mariadb.retry_backoff_max_ms. Default: 50",
       [](Config& c, std::string_view v) {
         c.mariadb.retry_backoff = std::chrono::milliseconds(to_u64_max("mariadb.retry_backoff_ms", v, 3'600'000));
         if (c.mariadb.retry_backoff.count() == 0) throw std::runtime_error("mariadb.retry_backoff_ms: must be positive");
       }},
      {"mariadb.watch_interval_ms",
       "How often the queue store reads the primary's semi-sync status (a fallback to "
       "asynchronous replication is logged and counted in iris_store_semisync_fallbacks_total) "
       "and the failover generation; 0: never. Default: 1000",
       [](Config& c, std::string_view v) {
         c.mariadb.watch_interval = std::chrono::milliseconds(to_u64_max("mariadb.watch_interval_ms", v, 3'600'000));
       }},
      {"mariadb.retry_backoff_max_ms", "Upper bound of mariadb.retry_backoff_ms. Default: 1000",
       [](Config& c, std::string_view v) {
         c.mariadb.retry_backoff_max = std::chrono::milliseconds(to_u64_max("mariadb.retry_backoff_max_ms", v, 3'600'000));
         if (c.mariadb.retry_backoff_max.count() == 0) throw std::runtime_error("mariadb.retry_backoff_max_ms: must be positive");
       }},
      {"mariadb.claim_wait",
       "In a cell: how long claiming a user waits for the previous owner's append transaction "
       "that holds the user's owner row (whole seconds); past it the claim fails and the "
       "device is answered unavailable and retries. Bounds how long a peer paused mid-"
       "transaction can stall this server's writes. Default: 2s",
       [](Config& c, std::string_view v) {
         c.mariadb.claim_wait = to_duration("mariadb.claim_wait", v);
         if (c.mariadb.claim_wait.count() == 0) throw std::runtime_error("mariadb.claim_wait: must be positive");
       }},
      {"history.backend",
       "Where the history lives: sqlite (history.path, one node) or mariadb (the history_* "
       "tables of mariadb.database on the mariadb.servers pair, so history outlives any one "
       "server; a message's text is stored once per thread either way). Default: mariadb when "
       "store.backend is mariadb, else sqlite",
       [](Config& c, std::string_view v) {
         if (v == "sqlite") c.history_backend = HistoryBackend::sqlite;
         else if (v == "mariadb") c.history_backend = HistoryBackend::mariadb;
         else throw std::runtime_error(fmt::format("history.backend: expected sqlite or mariadb, got '{}'", v));
       }},
      {"history.path",
       "Directory of the history store (SQLite file history.sqlite3), kept apart from the queue "
       "store. Default: <data_dir>/history. If it cannot be opened the server still runs: live "
       "delivery goes on, the storage cursor waits, and the store is retried every second",
       [](Config& c, std::string_view v) { c.history.path = std::string(v); }},
      {"history.wal_limit_bytes",
       "Bytes the history store's write-ahead log may keep after a commit; past it the WAL is "
       "checkpointed into the database and truncated. Default: 16777216 (16 MiB); lower "
       "checkpoints (writes + fsync) more often, higher leaves more disk to the WAL",
       [](Config& c, std::string_view v) {
         c.history.wal_limit_bytes = to_u64_max("history.wal_limit_bytes", v, 1ull << 40);
       }},
      {"history.batch_updates",
       "Most updates the history writer applies in one transaction, over all users. Default: "
       "32768; larger batches rewrite fewer SQLite pages per update (each transaction rewrites "
       "every page it touches) but hold more updates in memory and the write longer",
       [](Config& c, std::string_view v) {
         c.history_writer.batch_updates = to_u64_max("history.batch_updates", v, 1'000'000);
         if (c.history_writer.batch_updates == 0) throw std::runtime_error("history.batch_updates: must be at least 1");
       }},
      {"history.min_interval_ms",
       "Milliseconds the history writer waits after a transaction that was not full, so that "
       "updates gather (fewer fsyncs and page rewrites, less CPU taken from live delivery). "
       "Default: 500; 0 = commit as soon as anything is dirty",
       [](Config& c, std::string_view v) {
         c.history_writer.min_interval = std::chrono::milliseconds(to_u64_max("history.min_interval_ms", v, 60'000));
       }},
      {"history.user_delay_ms",
       "Milliseconds a user's new updates wait before the history writer takes them, so that "
       "one transaction writes many updates of each user (it rewrites every page it touches). "
       "Default: 2000; 0 = as soon as a transaction has room",
       [](Config& c, std::string_view v) {
         c.history_writer.user_delay = std::chrono::milliseconds(to_u64_max("history.user_delay_ms", v, 600'000));
       }},
      {"social.backend",
       "Where the contacts, blocks, thread folders and group-add settings live: sqlite "
       "(social.path, this server's own file) or mariadb (the social_* tables of "
       "mariadb.database on the mariadb.servers pair, shared by every server of a cell, so each "
       "judges every recipient by the same state and a user's new owner has it after a "
       "failover or move). Default: mariadb when store.backend is mariadb, else sqlite",
       [](Config& c, std::string_view v) {
         if (v == "sqlite") c.social_backend = SocialBackend::sqlite;
         else if (v == "mariadb") c.social_backend = SocialBackend::mariadb;
         else throw std::runtime_error(fmt::format("social.backend: expected sqlite or mariadb, got '{}'", v));
       }},
      {"social.path",
       "The contacts, blocks, thread folders and group-add settings of every user when "
       "social.backend is sqlite (docs/PROTOCOL.md \"Contacts, blocks and folders\"). One file "
       "per server, not shared across a cell. Default: <data_dir>/social.sqlite",
       [](Config& c, std::string_view v) { c.social_path = std::string(v); }},
      {"social.group_add_default",
       "Who may add a user to a group thread while that user has not chosen (iris group-add): "
       "contacts (only the user's contacts), anyone, or nobody. Default: contacts",
       [](Config& c, std::string_view v) {
         const auto g = core::group_add_from_name(v);
         if (!g) throw std::runtime_error("social.group_add_default: contacts, anyone or nobody");
         c.social_group_add_default = *g;
       }},
      {"blobs.dir",
       "Directory of the attachment blob store (files named by their SHA-256, and the "
       "index.sqlite of uploads and references). Default: <data_dir>/blobs",
       [](Config& c, std::string_view v) { c.blobs.dir = std::string(v); }},
      {"blobs.max_bytes",
       "Largest upload (POST /v1/blobs) in bytes; larger is refused with 413, before the body "
       "is read when Content-Length says so. Default: 104857600 (100 MiB)",
       [](Config& c, std::string_view v) {
         c.blobs.max_bytes = to_u64_max("blobs.max_bytes", v, std::uint64_t{1} << 40);
         if (c.blobs.max_bytes == 0) throw std::runtime_error("blobs.max_bytes: must be positive");
       }},
      {"blobs.allowed_types",
       "Content types an upload may have, comma-separated; type/* admits a whole top-level "
       "type; others get 415. Default: image/jpeg,image/png,image/gif,image/webp,image/heic,"
       "video/mp4,video/webm,video/quicktime,audio/mpeg,audio/mp4,audio/ogg,audio/webm,"
       "application/pdf,text/plain,application/zip,application/octet-stream",
       [](Config& c, std::string_view v) {
         c.blobs.allowed_types.clear();
         while (!v.empty()) {
           const auto comma = v.find(',');
           std::string_view item = v.substr(0, comma);
           v = comma == std::string_view::npos ? std::string_view() : v.substr(comma + 1);
           while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
           while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
           if (item.empty()) continue;
           const std::string type = store::BlobService::media_type(item);
           if (type.empty()) throw std::runtime_error("blobs.allowed_types: not a media type: " + std::string(item));
           c.blobs.allowed_types.push_back(type);
         }
       }},
      {"blobs.retention",
       "How long a blob no message references is kept after its last upload (number with unit "
       "s, m, h or d); then the background sweep removes it. Default: 24h",
       [](Config& c, std::string_view v) { c.blobs.retention = to_duration("blobs.retention", v); }},
      {"blobs.sweep_interval",
       "Time between two passes of the blob sweep (e.g. 10m). Default: 10m",
       [](Config& c, std::string_view v) {
         c.blobs.sweep_interval = to_duration("blobs.sweep_interval", v);
         if (c.blobs.sweep_interval.count() == 0) throw std::runtime_error("blobs.sweep_interval: must be positive");
       }},
      {"blobs.max_concurrent_uploads",
       "Uploads running at once across the server; more get 503 with Retry-After. Default: 64",
       [](Config& c, std::string_view v) {
         c.blobs.max_concurrent_uploads = to_u64_max("blobs.max_concurrent_uploads", v, 100'000);
       }},
      {"blobs.max_attachments",
       "Attachments one message may carry; more is refused (too_large). Default: 10",
       [](Config& c, std::string_view v) { c.blobs.max_attachments = to_u64_max("blobs.max_attachments", v, 1000); }},
      {"blobs.max_name_bytes",
       "Longest attachment file name in bytes; longer is refused (too_large). Default: 255",
       [](Config& c, std::string_view v) { c.blobs.max_name_bytes = to_u64_max("blobs.max_name_bytes", v, 4096); }},
      {"mail.lmtp_listen",
       "Where irisd accepts mail over LMTP (RFC 2033) from an MTA such as Postfix, HOST:PORT "
       "(an IP address; [::1]:PORT for IPv6; port 0 = any free one, written to ports_file as "
       "lmtp=). LMTP has no authentication: keep it on loopback unless a firewall guards it. "
       "Default: empty (off)",
       [](Config& c, std::string_view v) {
         if (!v.empty()) {
           const auto colon = v.rfind(':');
           std::string host(colon == std::string_view::npos ? std::string_view() : v.substr(0, colon));
           if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
           boost::system::error_code ec;
           boost::asio::ip::make_address(host, ec);
           if (colon == std::string_view::npos || ec) {
             throw std::runtime_error(fmt::format("mail.lmtp_listen: expected HOST:PORT with an IP address, got '{}'", v));
           }
           to_u64_max("mail.lmtp_listen (port)", v.substr(colon + 1), 65535);
         }
         c.mail.lmtp_listen = std::string(v);
       }},
      {"mail.domain",
       "The domain of users' mail addresses: mail to <user id>@<domain> (without case) goes to "
       "that user; other recipients get 550. Empty accepts any domain. Default: localhost",
       [](Config& c, std::string_view v) { c.mail.domain = std::string(v); }},
      {"mail.max_message_bytes",
       "Largest mail in bytes; larger is refused with 552 (at MAIL when the MTA declares SIZE, "
       "else after DATA, without keeping the bytes). Default: 26214400 (25 MiB)",
       [](Config& c, std::string_view v) {
         c.mail.max_message_bytes = to_u64_max("mail.max_message_bytes", v, std::uint64_t{1} << 30);
         if (c.mail.max_message_bytes < 1024) throw std::runtime_error("mail.max_message_bytes: at least 1024");
       }},
      {"mail.max_line_bytes",
       "Longest LMTP command line in bytes; longer is answered 500. Default: 2048",
       [](Config& c, std::string_view v) {
         c.mail.max_line_bytes = to_u64_max("mail.max_line_bytes", v, 1 << 20);
         if (c.mail.max_line_bytes < 512) throw std::runtime_error("mail.max_line_bytes: at least 512 (RFC 5321)");
       }},
      {"mail.max_recipients",
       "Recipients of one LMTP transaction; more get 452 and the MTA sends them in another. Default: 50",
       [](Config& c, std::string_view v) {
         c.mail.max_recipients = to_u64_max("mail.max_recipients", v, 10'000);
         if (c.mail.max_recipients == 0) throw std::runtime_error("mail.max_recipients: must be positive");
       }},
      {"mail.max_parts",
       "MIME entities of one mail (the message and every part); more is refused with 554 "
       "before the MIME tree is built. Default: 100",
       [](Config& c, std::string_view v) {
         c.mail.max_parts = to_u64_max("mail.max_parts", v, 100'000);
         if (c.mail.max_parts == 0) throw std::runtime_error("mail.max_parts: must be positive");
       }},
      {"mail.max_connections",
       "LMTP connections at once; more are answered 421 and closed. Default: 64",
       [](Config& c, std::string_view v) {
         c.mail.max_connections = to_u64_max("mail.max_connections", v, 100'000);
         if (c.mail.max_connections == 0) throw std::runtime_error("mail.max_connections: must be positive");
       }},
      {"mail.idle_timeout",
       "How long an LMTP connection may wait without sending anything before it is closed "
       "with 421 (e.g. 300s). Default: 300s",
       [](Config& c, std::string_view v) {
         c.mail.idle_timeout = to_duration("mail.idle_timeout", v);
         if (c.mail.idle_timeout.count() == 0) throw std::runtime_error("mail.idle_timeout: must be positive");
       }},
      {"mail.trim_quotes",
       "Drop the quoted reply (after \"On ... wrote:\", an \"Original Message\" line, an HTML "
       "blockquote, a signature after \"-- \") from a mail's text. Default: true",
       [](Config& c, std::string_view v) { c.mail.trim_quotes = to_bool("mail.trim_quotes", v); }},
      {"mail.out_relay",
       "Mail out: where a user's message to an email participant is sent as mail over SMTP, "
       "HOST:PORT (an MTA on the same host, e.g. Postfix on 127.0.0.1:25, which delivers it). "
       "Default: empty (off: such messages wait in the participant's queue)",
       [](Config& c, std::string_view v) {
         if (!v.empty()) {
           const auto colon = v.rfind(':');
           if (colon == std::string_view::npos || colon == 0) {
             throw std::runtime_error(fmt::format("mail.out_relay: expected HOST:PORT, got '{}'", v));
           }
           if (to_u64_max("mail.out_relay (port)", v.substr(colon + 1), 65535) == 0) {
             throw std::runtime_error("mail.out_relay: port must be positive");
           }
         }
         c.mail.out_relay = std::string(v);
       }},
      {"mail.out_timeout_ms",
       "Mail out: each SMTP step's wait for the relay (connect, every reply), in ms. Default: 30000",
       [](Config& c, std::string_view v) {
         c.mail.out_timeout = std::chrono::milliseconds(to_u64_max("mail.out_timeout_ms", v, 3'600'000));
         if (c.mail.out_timeout.count() == 0) throw std::runtime_error("mail.out_timeout_ms: must be positive");
       }},
      {"mail.out_min_backoff_ms",
       "Mail out: wait after a temporary failure (4xx, relay down) before that participant's mail "
       "is tried again, doubling up to mail.out_max_backoff_ms. Default: 1000",
       [](Config& c, std::string_view v) {
         c.mail.out_min_backoff = std::chrono::milliseconds(to_u64_max("mail.out_min_backoff_ms", v, 3'600'000));
       }},
      {"mail.out_max_backoff_ms", "Mail out: the longest wait between retries, in ms. Default: 300000",
       [](Config& c, std::string_view v) {
         c.mail.out_max_backoff = std::chrono::milliseconds(to_u64_max("mail.out_max_backoff_ms", v, 86'400'000));
       }},
      {"mail.out_max_pending",
       "Mail out: email participants waiting to be served at once (the bounded queue); more are "
       "found again by the next scan of the mail book. Default: 10000",
       [](Config& c, std::string_view v) {
         c.mail.out_max_pending = to_u64_max("mail.out_max_pending", v, 10'000'000);
         if (c.mail.out_max_pending == 0) throw std::runtime_error("mail.out_max_pending: must be positive");
       }},
      {"mail.out_per_turn",
       "Mail out: updates read from one participant's queue per turn. Default: 64",
       [](Config& c, std::string_view v) {
         c.mail.out_per_turn = to_u64_max("mail.out_per_turn", v, 100'000);
         if (c.mail.out_per_turn == 0) throw std::runtime_error("mail.out_per_turn: must be positive");
       }},
      {"mail.out_max_message_bytes",
       "Mail out: largest mail in bytes, bounded before any attachment is read (base64 and headers "
       "included); a message whose attachments would pass it leaves without them, each named in "
       "the text. The relay must accept at least this. Default: 26214400 (25 MiB)",
       [](Config& c, std::string_view v) {
         c.mail.out_max_message_bytes = to_u64_max("mail.out_max_message_bytes", v, std::uint64_t{1} << 30);
         if (c.mail.out_max_message_bytes < 65536) {
           throw std::runtime_error("mail.out_max_message_bytes: at least 65536");
         }
       }},
      {"mail.book_path",
       "The mail book (SQLite): external senders' addresses and the Message-IDs replies name. "
       "Default: <data_dir>/mail.sqlite",
       [](Config& c, std::string_view v) { c.mail.book_path = std::string(v); }},
      {"sms.listen",
       "SMS in: where the provider's webhook (POST /v1/sms/inbound, Twilio's form and "
       "X-Twilio-Signature) is served, HOST:PORT (port 0: any free one, written to ports_file as "
       "sms=). Needs sms.auth_token_file. Default: empty (SMS in off)",
       [](Config& c, std::string_view v) {
         const auto colon = v.rfind(':');
         boost::system::error_code ec;
         std::string_view host = colon == std::string_view::npos ? std::string_view() : v.substr(0, colon);
         if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
         boost::asio::ip::make_address(std::string(host), ec);
         if (colon == std::string_view::npos || ec) {
           throw std::runtime_error(fmt::format("sms.listen: expected HOST:PORT with an IP address, got '{}'", v));
         }
         to_u64_max("sms.listen (port)", v.substr(colon + 1), 65535);
         c.sms.listen = std::string(v);
       }},
      {"sms.auth_token_file",
       "SMS in: file whose first line is the shared secret the provider signs webhooks with "
       "(Twilio: the auth token; HMAC-SHA1). Default: none",
       [](Config& c, std::string_view v) { c.sms.auth_token = read_first_line("sms.auth_token_file", v); }},
      {"sms.webhook_url",
       "SMS in: the webhook's URL exactly as the provider calls it (the signature covers it). "
       "Default: empty (http:// + the request's Host + its target)",
       [](Config& c, std::string_view v) { c.sms.webhook_url = std::string(v); }},
      {"sms.max_request_bytes",
       "SMS in: largest webhook body, in bytes (413 past it). Default: 16384",
       [](Config& c, std::string_view v) {
         c.sms.max_request_bytes = to_u64_max("sms.max_request_bytes", v, 1 << 20);
         if (c.sms.max_request_bytes < 256) throw std::runtime_error("sms.max_request_bytes: at least 256");
       }},
      {"sms.max_fields", "SMS in: form fields of one webhook request (400 past it). Default: 64",
       [](Config& c, std::string_view v) {
         c.sms.max_fields = to_u64_max("sms.max_fields", v, 10'000);
         if (c.sms.max_fields < 4) throw std::runtime_error("sms.max_fields: at least 4");
       }},
      {"sms.max_connections", "SMS in: webhook connections at once (more are closed). Default: 64",
       [](Config& c, std::string_view v) {
         c.sms.max_connections = to_u64_max("sms.max_connections", v, 100'000);
         if (c.sms.max_connections == 0) throw std::runtime_error("sms.max_connections: must be positive");
       }},
      {"sms.idle_timeout", "SMS in: the longest wait for a webhook request (number with unit). Default: 30s",
       [](Config& c, std::string_view v) {
         c.sms.idle_timeout = to_duration("sms.idle_timeout", v);
         if (c.sms.idle_timeout.count() == 0) throw std::runtime_error("sms.idle_timeout: must be positive");
       }},
      {"sms.provider_url",
       "SMS out: a user's message in a thread with an SMS participant is POSTed here "
       "(form-encoded To, From, Body; basic auth), http://HOST[:PORT]/PATH (Twilio's Messages "
       "resource behind a local TLS proxy). Default: empty (SMS out off)",
       [](Config& c, std::string_view v) {
         if (!sms::parse_http_url(v)) {
           throw std::runtime_error(fmt::format("sms.provider_url: expected http://HOST[:PORT]/PATH, got '{}'", v));
         }
         c.sms.provider_url = std::string(v);
       }},
      {"sms.provider_user", "SMS out: basic auth user (Twilio: the account SID). Default: empty (no auth)",
       [](Config& c, std::string_view v) { c.sms.provider_user = std::string(v); }},
      {"sms.provider_password_file",
       "SMS out: file whose first line is the basic auth password (Twilio: the auth token). Default: none",
       [](Config& c, std::string_view v) { c.sms.provider_password = read_first_line("sms.provider_password_file", v); }},
      {"sms.out_timeout_ms", "SMS out: the longest wait for one POST to the provider, in ms. Default: 30000",
       [](Config& c, std::string_view v) {
         c.sms.out_timeout = std::chrono::milliseconds(to_u64_max("sms.out_timeout_ms", v, 3'600'000));
         if (c.sms.out_timeout.count() == 0) throw std::runtime_error("sms.out_timeout_ms: must be positive");
       }},
      {"sms.out_min_backoff_ms",
       "SMS out: wait after a temporary failure (429, 5xx, no answer) before it is tried again, "
       "doubling up to sms.out_max_backoff_ms. Default: 1000",
       [](Config& c, std::string_view v) {
         c.sms.out_min_backoff = std::chrono::milliseconds(to_u64_max("sms.out_min_backoff_ms", v, 3'600'000));
       }},
      {"sms.out_max_backoff_ms", "SMS out: the longest wait between retries, in ms. Default: 300000",
       [](Config& c, std::string_view v) {
         c.sms.out_max_backoff = std::chrono::milliseconds(to_u64_max("sms.out_max_backoff_ms", v, 86'400'000));
       }},
      {"sms.out_max_pending", "SMS out: participants waiting to be served at once. Default: 10000",
       [](Config& c, std::string_view v) {
         c.sms.out_max_pending = to_u64_max("sms.out_max_pending", v, 10'000'000);
         if (c.sms.out_max_pending == 0) throw std::runtime_error("sms.out_max_pending: must be positive");
       }},
      {"sms.out_per_turn", "SMS out: updates read from one participant's queue per turn. Default: 64",
       [](Config& c, std::string_view v) {
         c.sms.out_per_turn = to_u64_max("sms.out_per_turn", v, 100'000);
         if (c.sms.out_per_turn == 0) throw std::runtime_error("sms.out_per_turn: must be positive");
       }},
      {"sms.book_path",
       "The SMS book (SQLite): users' verified numbers and SMS participants' numbers. "
       "Default: <data_dir>/sms.sqlite",
       [](Config& c, std::string_view v) { c.sms.book_path = std::string(v); }},
      {"sms.numbers",
       "Verified numbers to assign at start, USER=+NUMBER,... (E.164): an SMS to the number goes "
       "to the user, whose replies are sent from it; kept in the SMS book. Default: empty",
       [](Config& c, std::string_view v) {
         std::string_view rest = v;
         while (!rest.empty()) {
           const auto comma = rest.find(',');
           const std::string_view item = rest.substr(0, comma);
           rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
           const auto eq = item.find('=');
           const auto id = core::parse_id(item.substr(0, eq));
           if (eq == std::string_view::npos || !id || *id == 0 || (*id >> 63) != 0 ||
               !sms::normalize_number(item.substr(eq + 1))) {
             throw std::runtime_error(fmt::format("sms.numbers: expected USER=+NUMBER (E.164), got '{}'", item));
           }
         }
         c.sms.numbers = std::string(v);
       }},
      {"sms.verify_from",
       "Number verification by users (POST /v1/sms/numbers, then /v1/sms/numbers/verify with the "
       "code): the number (E.164) the codes are texted from through sms.provider_url, one of the "
       "provider account's. Needs sms.provider_url. Default: empty (off: only sms.numbers assigns)",
       [](Config& c, std::string_view v) {
         auto n = sms::normalize_number(v);
         if (!v.empty() && !n) throw std::runtime_error(fmt::format("sms.verify_from: expected +NUMBER (E.164), got '{}'", v));
         c.sms.verify_from = v.empty() ? std::string() : *n;
       }},
      {"sms.verify_code_ttl",
       "Number verification: how long a code may be confirmed (number with unit, e.g. 10m). Default: 10m",
       [](Config& c, std::string_view v) {
         c.sms.verify_code_ttl = to_duration("sms.verify_code_ttl", v);
         if (c.sms.verify_code_ttl.count() == 0) throw std::runtime_error("sms.verify_code_ttl: must be positive");
       }},
      {"sms.verify_max_attempts", "Number verification: wrong codes before the code is dropped. Default: 5",
       [](Config& c, std::string_view v) {
         c.sms.verify_max_attempts = static_cast<std::uint32_t>(to_u64_max("sms.verify_max_attempts", v, 100));
         if (c.sms.verify_max_attempts == 0) throw std::runtime_error("sms.verify_max_attempts: must be positive");
       }},
      {"sms.verify_max_pending_per_user",
       "Number verification: numbers one user may have waiting for their codes at once (429 past it). Default: 3",
       [](Config& c, std::string_view v) {
         c.sms.verify_max_pending_per_user = to_u64_max("sms.verify_max_pending_per_user", v, 1000);
         if (c.sms.verify_max_pending_per_user == 0) {
           throw std::runtime_error("sms.verify_max_pending_per_user: must be positive");
         }
       }},
      {"sms.verify_per_user_per_hour",
       "Number verification: codes sent for one user in any hour (429 past it). Default: 5",
       [](Config& c, std::string_view v) {
         c.sms.verify_per_user_per_hour = to_u64_max("sms.verify_per_user_per_hour", v, 10'000);
         if (c.sms.verify_per_user_per_hour == 0) throw std::runtime_error("sms.verify_per_user_per_hour: must be positive");
       }},
      {"sms.verify_per_number_per_hour",
       "Number verification: codes sent to one number in any hour, whoever asks (429 past it). Default: 3",
       [](Config& c, std::string_view v) {
         c.sms.verify_per_number_per_hour = to_u64_max("sms.verify_per_number_per_hour", v, 10'000);
         if (c.sms.verify_per_number_per_hour == 0) {
           throw std::runtime_error("sms.verify_per_number_per_hour: must be positive");
         }
       }},
      {"sms.verify_max_pending",
       "Number verification: codes pending (and waiting to be posted) across the server (503 past it). "
       "Default: 10000",
       [](Config& c, std::string_view v) {
         c.sms.verify_max_pending = to_u64_max("sms.verify_max_pending", v, 10'000'000);
         if (c.sms.verify_max_pending == 0) throw std::runtime_error("sms.verify_max_pending: must be positive");
       }},
      {"retention.window",
       "How long the queue keeps an update at least (number with unit s, m, h or d); updates "
       "older than this AND already in history are trimmed. Default: 7d",
       [](Config& c, std::string_view v) {
         c.retention.policy.window = to_duration("retention.window", v);
       }},
      {"retention.max_queue_length",
       "Most updates a queue keeps once history has them, whatever their age; 0 = no cap. "
       "Default: 0. Devices that fall behind the first retained update resync (too_old)",
       [](Config& c, std::string_view v) { c.retention.policy.max_length = to_u64("retention.max_queue_length", v); }},
      {"retention.interval",
       "Time between two passes of the retention trimmer (e.g. 60s). Default: 60s",
       [](Config& c, std::string_view v) {
         c.retention.interval = to_duration("retention.interval", v);
         if (c.retention.interval.count() == 0) throw std::runtime_error("retention.interval: must be positive");
       }},
      {"net.bind",
       "IP address every listener binds. Default: 0.0.0.0 (all IPv4 interfaces, as servers "
       "usually do); 127.0.0.1 keeps it local; :: for IPv6",
       [](Config& c, std::string_view v) { c.net.bind = std::string(v); }},
      {"net.threads",
       "Event-loop threads (shards), each owning the MQTT sessions of the client ids that hash "
       "to it. Default: 0 = one per core",
       [](Config& c, std::string_view v) { c.net.threads = static_cast<unsigned>(to_u64_max("net.threads", v, 256)); }},
      {"net.max_connections",
       "Open connections over all listeners; more are closed on accept. Default: 100000 "
       "(the open-file limit, raised to its hard maximum at start, is the real ceiling)",
       [](Config& c, std::string_view v) { c.net.max_connections = to_u64("net.max_connections", v); }},
      {"net.max_preauth_connections",
       "Connections not yet authenticated (MQTT: CONNECT not yet accepted; HTTP: no request "
       "with a valid bearer token yet), over all listeners; more are closed on accept with a "
       "log line. 0 = no limit. Default: 1024 (with mqtt.max_connect_packet_size, what "
       "unauthenticated peers can make the server buffer: about 128 MiB)",
       [](Config& c, std::string_view v) { c.net.max_preauth_connections = to_u64("net.max_preauth_connections", v); }},
      {"net.max_preauth_per_source",
       "Connections not yet authenticated from one source address (an IPv6 /64 is one "
       "source); more from it are closed on accept with a log line, so one host cannot lock "
       "others out. 0 = no limit. Default: 64",
       [](Config& c, std::string_view v) { c.net.max_preauth_per_source = to_u64("net.max_preauth_per_source", v); }},
      {"net.max_write_queue_bytes",
       "Bytes waiting to be written to one client before it is closed as a slow consumer. "
       "Default: 4194304 (4 MiB); bounds the memory a client that does not read can pin",
       [](Config& c, std::string_view v) { c.net.max_write_queue_bytes = to_u64("net.max_write_queue_bytes", v); }},
      {"net.handshake_timeout",
       "Time a TLS handshake or WebSocket upgrade may take (e.g. 10s); for MQTT, "
       "mqtt.connect_timeout (from accept) ends it first when shorter. Default: 10s",
       [](Config& c, std::string_view v) { c.net.handshake_timeout = to_duration("net.handshake_timeout", v); }},
      {"mqtt.port", "MQTT over TCP: port, 0 = any free port, off = disabled. Default: 1883",
       [](Config& c, std::string_view v) { c.net.mqtt_port = to_port("mqtt.port", v); }},
      {"mqtt.tls_port",
       "MQTT over TLS: port, 0 = any free port, off = disabled. Runs only when tls.cert_file "
       "and tls.key_file are both set. Default: 8883",
       [](Config& c, std::string_view v) { c.net.tls_port = to_port("mqtt.tls_port", v); }},
      {"mqtt.ws_port",
       "MQTT over WebSocket (subprotocol mqtt, for browsers): port, 0 = any free port, off = "
       "disabled. Default: 8083",
       [](Config& c, std::string_view v) { c.net.ws_port = to_port("mqtt.ws_port", v); }},
      {"http.port",
       "HTTP API (snapshot, history, thread creation, requests, long polls, the web app at "
       "/app/, /healthz, /metrics): port, 0 = any free port, off = disabled. Default: 8080",
       [](Config& c, std::string_view v) { c.net.http.port = to_port("http.port", v); }},
      {"http.tls_port",
       "HTTPS API: port, 0 = any free port, off = disabled. Runs only when tls.cert_file and "
       "tls.key_file are both set. Default: 8443",
       [](Config& c, std::string_view v) { c.net.http.tls_port = to_port("http.tls_port", v); }},
      {"http.max_body_bytes",
       "Largest HTTP request body in bytes, as sent and once decoded (Content-Encoding: gzip; "
       "other codings get 415); larger is refused with 413, before it is read when "
       "Content-Length says so. Default: 65536 (64 KiB)",
       [](Config& c, std::string_view v) { c.net.http.max_body_bytes = to_u64_max("http.max_body_bytes", v, 64ull << 20); }},
      {"http.max_header_bytes",
       "Largest HTTP request line plus headers in bytes, on the HTTP port and the WebSocket "
       "upgrade; larger is refused with 431. Default: 8192; at most 65535 (the HTTP parser "
       "cannot hold a larger field)",
       [](Config& c, std::string_view v) { c.net.http.max_header_bytes = to_u64_max("http.max_header_bytes", v, net::HttpOptions::kMaxFieldSectionBytes); }},
      {"http.max_trailer_bytes",
       "Largest trailer section of a chunked HTTP request body in bytes (trailer fields are "
       "dropped); larger is refused with 431. Default: 4096; at most 65535",
       [](Config& c, std::string_view v) { c.net.http.max_trailer_bytes = to_u64_max("http.max_trailer_bytes", v, net::HttpOptions::kMaxFieldSectionBytes); }},
      {"http.max_chunk_extension_bytes",
       "Chunk extensions of a chunked HTTP request body, in bytes summed over the request; "
       "more is refused with 413. Default: 1024; at most 65535",
       [](Config& c, std::string_view v) { c.net.http.max_chunk_extension_bytes = to_u64_max("http.max_chunk_extension_bytes", v, net::HttpOptions::kMaxFieldSectionBytes); }},
      {"http.idle_timeout",
       "Time an HTTP connection may stay idle between requests, or take to send a request or "
       "read a response (e.g. 30s). Default: 30s",
       [](Config& c, std::string_view v) { c.net.http.idle_timeout = to_duration("http.idle_timeout", v); }},
      {"http.shard_timeout_ms",
       "Milliseconds the user's owner shard has to answer an HTTP request before it gets 503 "
       "with Retry-After. Default: 5000",
       [](Config& c, std::string_view v) { c.net.http.shard_timeout = std::chrono::milliseconds(to_u64_max("http.shard_timeout_ms", v, 3'600'000)); }},
      {"http.max_pending",
       "HTTP requests waiting for a shard's answer across the server; more get 503 at once. "
       "Default: 10000",
       [](Config& c, std::string_view v) { c.net.http.max_pending = to_u64("http.max_pending", v); }},
      {"http.app_dir",
       "Folder of the web app's files, served at /app/ (web/ of the source tree, with MQTT.js, "
       "as the build installs it next to irisd); off = no web app. Default: the web folder "
       "next to the irisd binary",
       [](Config& c, std::string_view v) { c.net.http.app_dir = v == "off" ? std::string() : std::string(v); c.app_dir_set = true; }},
      {"http.max_app_file_bytes",
       "Largest web app file served; a larger one is 404. Default: 4194304 (4 MiB)",
       [](Config& c, std::string_view v) { c.net.http.max_app_file_bytes = to_u64_max("http.max_app_file_bytes", v, 1ull << 30); }},
      {"http.cors_origins",
       "Origins, comma-separated (scheme://host[:port], e.g. https://app.example.com), whose "
       "web pages may call this server's /v1/* API from another origin (the web app reaching "
       "its user's owner after GET /v1/route): answers name the origin in "
       "Access-Control-Allow-Origin and OPTIONS preflights are answered (methods GET, POST; "
       "headers Authorization, Content-Type, Accept, Content-Encoding). Never credentials: "
       "the token goes in Authorization. Default: none (no CORS headers)",
       [](Config& c, std::string_view v) {
         c.net.http.cors_origins.clear();
         while (!v.empty()) {
           const auto comma = v.find(',');
           const auto item = v.substr(0, comma);
           if (!net::valid_cors_origin(item)) {
             throw std::runtime_error(fmt::format("http.cors_origins: not an origin (scheme://host[:port]): '{}'", item));
           }
           c.net.http.cors_origins.emplace_back(item);
           v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
         }
       }},
      {"http.poll.timeout_ms",
       "Milliseconds a long poll (GET /v1/poll) is held when it names no timeout_ms. Default: 25000",
       [](Config& c, std::string_view v) { c.net.http.poll.timeout = std::chrono::milliseconds(to_u64_max("http.poll.timeout_ms", v, 3'600'000)); }},
      {"http.poll.max_timeout_ms",
       "Longest a long poll may ask to be held (timeout_ms); more is 400. Default: 60000",
       [](Config& c, std::string_view v) { c.net.http.poll.max_timeout = std::chrono::milliseconds(to_u64_max("http.poll.max_timeout_ms", v, 3'600'000)); }},
      {"http.poll.max_per_user",
       "Devices of one user that long-poll at once (each holds at most one request); more get "
       "503 with Retry-After. Default: 4",
       [](Config& c, std::string_view v) { c.net.http.poll.max_per_user = to_u64("http.poll.max_per_user", v); }},
      {"http.poll.max_total",
       "Devices that long-poll at once across the server; more get 503 with Retry-After. "
       "Default: 10000",
       [](Config& c, std::string_view v) { c.net.http.poll.max_total = to_u64("http.poll.max_total", v); }},
      {"http.poll.idle_ms",
       "Milliseconds after its last poll's timeout that a device that stopped polling keeps its "
       "stream; then it is dropped as a disconnect. Default: 60000",
       [](Config& c, std::string_view v) { c.net.http.poll.idle = std::chrono::milliseconds(to_u64_max("http.poll.idle_ms", v, 3'600'000)); }},
      {"http.poll.typing_per_s",
       "Typing signals one user may send over HTTP (POST /v1/requests, an Envelope typing) per "
       "second; beyond it (and its burst) 429 rate_limited. 0 = no limit. Default: 2",
       [](Config& c, std::string_view v) { c.net.http.poll.typing_per_s = static_cast<double>(to_u64_max("http.poll.typing_per_s", v, 1'000)); }},
      {"http.poll.typing_burst",
       "Typing signals one user may send over HTTP at once after a quiet spell. Default: 4",
       [](Config& c, std::string_view v) { c.net.http.poll.typing_burst = to_burst("http.poll.typing_burst", v); }},
      {"http.poll.typing_pending",
       "Typing signals a long-poll device keeps for its next poll (the newest of each typer and "
       "thread; the oldest give way). 0 = only a held poll gets typing. Default: 8",
       [](Config& c, std::string_view v) { c.net.http.poll.typing_pending = to_u64_max("http.poll.typing_pending", v, 1'000); }},
      {"http.poll.typing_fresh_ms",
       "Milliseconds a typing signal kept for a long-poll device stays worth giving. Default: 5000",
       [](Config& c, std::string_view v) { c.net.http.poll.typing_fresh = std::chrono::milliseconds(to_u64_max("http.poll.typing_fresh_ms", v, 60'000)); }},
      {"sync.legacy_baseline",
       "Serve the bandwidth benchmark's legacy pull baseline: a QoS 1 \"this thread changed\" on "
       "u/<user>/notify per append while someone subscribes (bench/suites/bandwidth turns it "
       "on). Off, appends cost nothing for it. Default: false",
       [](Config& c, std::string_view v) { c.sync.legacy_baseline = to_bool("sync.legacy_baseline", v); }},
      {"sync.snapshot_latest",
       "Messages per thread in a snapshot when the request names no count (HTTP "
       "GET /v1/snapshot?messages=N overrides it, up to 200). Default: 20",
       [](Config& c, std::string_view v) { c.sync.snapshot_latest = to_u64_max("sync.snapshot_latest", v, 200); }},
      {"sync.edit_window",
       "How long after sending a message its sender may still edit or unsend it (e.g. 15m, "
       "1h; 0 turns edits and unsends off). Past it the request is refused with too_late. "
       "Default: 15m",
       [](Config& c, std::string_view v) { c.sync.requests.edit_window = to_duration("sync.edit_window", v); }},
      {"sync.max_reaction_bytes",
       "Longest reaction to a message in bytes (at most 255); longer ones are refused with "
       "too_large. Default: 32",
       [](Config& c, std::string_view v) { c.sync.requests.max_reaction_bytes = to_u64_max("sync.max_reaction_bytes", v, 255); }},
      {"tls.cert_file", "PEM certificate chain of the TLS listeners (MQTT and HTTPS). Default: none (TLS off)",
       [](Config& c, std::string_view v) { c.net.tls_cert_file = std::string(v); }},
      {"tls.key_file", "PEM private key of the TLS listeners (MQTT and HTTPS). Default: none (TLS off)",
       [](Config& c, std::string_view v) { c.net.tls_key_file = std::string(v); }},
      {"tls.session_lifetime",
       "How long a client may resume its TLS session (a ticket) instead of a full handshake, "
       "e.g. 24h; 0 = never. Default: 24h",
       [](Config& c, std::string_view v) {
         c.net.tls_session_lifetime = to_duration("tls.session_lifetime", v);
         if (c.net.tls_session_lifetime > std::chrono::hours(24 * 7))
           throw std::runtime_error("tls.session_lifetime: at most 7d (RFC 8446 4.6.1)");
       }},
      {"tls.session_cache",
       "TLS sessions kept in memory for resumption: a returning client then sends and gets a "
       "32-byte session id instead of a ~230-byte sealed ticket (~350 bytes less per reconnect); "
       "the least recently used leave a full cache. 0 = stateless tickets, nothing kept per "
       "client. Default: 100000",
       [](Config& c, std::string_view v) { c.net.tls_session_cache = to_u64("tls.session_cache", v); }},
      {"mqtt.max_packet_size",
       "Largest MQTT packet a client may send, in bytes; larger ones close the connection "
       "(5.0: DISCONNECT 0x95). Default: 262144 (256 KiB)",
       [](Config& c, std::string_view v) { c.mqtt.max_packet_size = static_cast<std::uint32_t>(to_u64_max("mqtt.max_packet_size", v, 268435455)); }},
      {"mqtt.max_connect_packet_size",
       "Largest packet before CONNACK (the CONNECT, will included), in bytes; larger closes "
       "the connection before its body is read. Default: 65536 (64 KiB); the effective limit "
       "is at most mqtt.max_packet_size",
       [](Config& c, std::string_view v) { c.mqtt.max_connect_packet_size = static_cast<std::uint32_t>(to_u64_max("mqtt.max_connect_packet_size", v, 268435455)); }},
      {"mqtt.max_inflight_messages",
       "QoS 1/2 messages sent to one client and not yet acknowledged (the client's Receive "
       "Maximum may lower it). Default: 64; more raises throughput on slow links and memory",
       [](Config& c, std::string_view v) { c.mqtt.max_inflight_messages = static_cast<std::uint16_t>(to_u64_max("mqtt.max_inflight_messages", v, 65535)); }},
      {"mqtt.receive_maximum",
       "QoS 2 messages a client may have unacknowledged towards the server. Default: 64",
       [](Config& c, std::string_view v) { c.mqtt.receive_maximum = static_cast<std::uint16_t>(to_u64_max("mqtt.receive_maximum", v, 65535)); }},
      {"mqtt.max_queued_messages",
       "QoS 1/2 messages queued per session beyond the in-flight window (an offline "
       "persistent session's backlog); more are dropped, counted in /metrics and logged per "
       "session at most once a minute. Default: 1000",
       [](Config& c, std::string_view v) { c.mqtt.max_queued_messages = to_u64("mqtt.max_queued_messages", v); }},
      {"mqtt.max_subscriptions_per_client",
       "Subscriptions per session; more get SUBACK quota exceeded. Default: 100",
       [](Config& c, std::string_view v) { c.mqtt.max_subscriptions_per_client = to_u64("mqtt.max_subscriptions_per_client", v); }},
      {"mqtt.max_keep_alive",
       "Upper bound on a client's keep-alive in seconds, also used when a client asks for 0 "
       "(none); a connection silent for 1.5 times its keep-alive is closed. 5.0 clients are "
       "told (CONNACK Server Keep Alive); 3.1.1 clients cannot be, and are closed after 1.5 "
       "times this of silence. 0 = no bound (a client asking 0 is never reaped). Default: 300",
       [](Config& c, std::string_view v) { c.mqtt.max_keep_alive = static_cast<std::uint16_t>(to_u64_max("mqtt.max_keep_alive", v, 65535)); }},
      {"mqtt.partial_packet_timeout",
       "Time a client may take to send the rest of a packet once its first byte arrived "
       "(e.g. 60s); longer closes the connection (5.0: DISCONNECT 0x8D), whatever its "
       "keep-alive. Default: 60s",
       [](Config& c, std::string_view v) {
         c.mqtt.partial_packet_timeout = to_duration("mqtt.partial_packet_timeout", v);
         if (c.mqtt.partial_packet_timeout.count() == 0) throw std::runtime_error("mqtt.partial_packet_timeout: must be positive");
       }},
      {"mqtt.connect_timeout",
       "Time a new connection may take, from accept (TLS handshake or WebSocket upgrade "
       "included), to have its CONNECT accepted (e.g. 10s); then it is closed. Default: 10s",
       [](Config& c, std::string_view v) { c.mqtt.connect_timeout = to_duration("mqtt.connect_timeout", v); }},
      {"mqtt.topic_alias_maximum",
       "Topic aliases a 5.0 client may set towards the server (CONNACK Topic Alias Maximum), "
       "and the most the server assigns towards a client; 0 disables topic aliases. Default: 10",
       [](Config& c, std::string_view v) { c.mqtt.topic_alias_maximum = static_cast<std::uint16_t>(to_u64_max("mqtt.topic_alias_maximum", v, 65535)); }},
      {"mqtt.max_retained_messages",
       "Retained messages kept in total (memory only); a retained PUBLISH or Will beyond it is "
       "refused (5.0: PUBACK/PUBREC 0x97; 3.1.1: dropped and logged). Default: 10000",
       [](Config& c, std::string_view v) { c.mqtt.max_retained_messages = to_u64("mqtt.max_retained_messages", v); }},
      {"mqtt.max_retained_bytes",
       "Bytes (topic + payload) of all retained messages together; refused as above. Default: "
       "67108864 (64 MiB)",
       [](Config& c, std::string_view v) { c.mqtt.max_retained_bytes = to_u64("mqtt.max_retained_bytes", v); }},
      {"mqtt.max_retained_messages_per_user",
       "Retained messages one user may have set (anonymous clients count as one user); refused "
       "as above. Default: 100",
       [](Config& c, std::string_view v) { c.mqtt.max_retained_messages_per_user = to_u64("mqtt.max_retained_messages_per_user", v); }},
      {"mqtt.max_retained_bytes_per_user",
       "Bytes (topic + payload) of one user's retained messages; refused as above. Default: "
       "1048576 (1 MiB)",
       [](Config& c, std::string_view v) { c.mqtt.max_retained_bytes_per_user = to_u64("mqtt.max_retained_bytes_per_user", v); }},
      {"mqtt.deny_subscribe",
       "Topic filters refused at SUBSCRIBE, each with its SUBACK reason code (3.1.1 clients get "
       "0x80): filter:code,... e.g. `#:0x87,+/+:0x80`. An entry refuses exactly that filter as "
       "written (`#` refuses `#`, not `a/#`); for $share/<group>/<filter> the inner filter is "
       "compared too. Default: none",
       [](Config& c, std::string_view v) { c.mqtt.deny_subscribe = to_denied_filters("mqtt.deny_subscribe", v); }},
      {"mqtt.allow_anonymous",
       "Admit clients without a user name and token, to the public topic space only (not u/ "
       "or t/). Default: false",
       [](Config& c, std::string_view v) { c.mqtt.allow_anonymous = to_bool("mqtt.allow_anonymous", v); }},
      {"sync.memory.budget_bytes",
       "Memory tier: bytes of recent updates kept in memory per MQTT thread (estimated), beyond "
       "which the least recently appended users' tails are evicted; 0 = every read goes to the "
       "store. Default: 268435456 (256 MiB)",
       [](Config& c, std::string_view v) { c.sync.memory.budget_bytes = to_u64("sync.memory.budget_bytes", v); }},
      {"sync.memory.max_per_user",
       "Memory tier: most recent updates kept per user; a longer catch-up reads the store. "
       "Default: 4096",
       [](Config& c, std::string_view v) { c.sync.memory.max_per_user = to_u64("sync.memory.max_per_user", v); }},
      {"sync.stream.cursor_write_lag",
       "A device's delivery cursor is written to the store once it is this many updates ahead of "
       "the last write, and when the device disconnects or resumes; after a crash a device is "
       "redelivered at most this many updates, which it drops by seq. 1 = on every ack. "
       "Default: 256",
       [](Config& c, std::string_view v) { c.sync.stream.cursor_write_lag = to_u64("sync.stream.cursor_write_lag", v); }},
      {"sync.rate.sends_per_s",
       "Sends and read receipts one user may make per second, over all its devices and HTTP; "
       "beyond it (and its burst) a request is refused rate_limited with a retry-after "
       "(MQTT 5.0 PUBACK 0x97, HTTP 429). 0 = no limit. Default: 100",
       [](Config& c, std::string_view v) { c.sync.rates.user.sends.per_second = static_cast<double>(to_u64_max("sync.rate.sends_per_s", v, 1'000'000)); }},
      {"sync.rate.sends_burst",
       "Sends and read receipts one user may make at once after a quiet spell. Default: 1000",
       [](Config& c, std::string_view v) { c.sync.rates.user.sends.burst = to_burst("sync.rate.sends_burst", v); }},
      {"sync.rate.conn_sends_per_s",
       "Sends and read receipts per second on one device connection (within its user's). "
       "0 = no limit. Default: 50",
       [](Config& c, std::string_view v) { c.sync.rates.connection.sends.per_second = static_cast<double>(to_u64_max("sync.rate.conn_sends_per_s", v, 1'000'000)); }},
      {"sync.rate.conn_sends_burst",
       "Sends and read receipts one device connection may make at once. Default: 500",
       [](Config& c, std::string_view v) { c.sync.rates.connection.sends.burst = to_burst("sync.rate.conn_sends_burst", v); }},
      {"sync.rate.thread_ops_per_s",
       "Thread operations (create, rename, change participants) one user may make per "
       "second. 0 = no limit. Default: 2",
       [](Config& c, std::string_view v) { c.sync.rates.user.thread_ops.per_second = static_cast<double>(to_u64_max("sync.rate.thread_ops_per_s", v, 1'000'000)); }},
      {"sync.rate.thread_ops_burst",
       "Thread operations one user may make at once. Default: 50",
       [](Config& c, std::string_view v) { c.sync.rates.user.thread_ops.burst = to_burst("sync.rate.thread_ops_burst", v); }},
      {"sync.rate.conn_thread_ops_per_s",
       "Thread operations per second on one device connection. 0 = no limit. Default: 2",
       [](Config& c, std::string_view v) { c.sync.rates.connection.thread_ops.per_second = static_cast<double>(to_u64_max("sync.rate.conn_thread_ops_per_s", v, 1'000'000)); }},
      {"sync.rate.conn_thread_ops_burst",
       "Thread operations one device connection may make at once. Default: 50",
       [](Config& c, std::string_view v) { c.sync.rates.connection.thread_ops.burst = to_burst("sync.rate.conn_thread_ops_burst", v); }},
      {"auth.secret_file",
       "File holding the HMAC secret that signs device tokens; created with mode 0600 on first "
       "start if missing. Default: <data_dir>/secret",
       [](Config& c, std::string_view v) { c.secret_file = std::string(v); }},
      {"ports_file",
       "Once listening, write the bound ports here as key=value lines (mqtt=, mqtts=, ws=, "
       "http=, https=, bind=, pid=); for scripts that start irisd with port 0. Default: none",
       [](Config& c, std::string_view v) { c.ports_file = std::string(v); }},
      {"cluster.zookeeper",
       "ZooKeeper ensemble of this server's cell, host:port[,host:port...]; empty = a single "
       "server, no cell (docs/CLUSTER.md). Default: empty",
       [](Config& c, std::string_view v) { c.cluster.zookeeper = std::string(v); }},
      {"cluster.cell", "Name of the cell this server joins. Default: default",
       [](Config& c, std::string_view v) {
         if (v.empty() || v.find('/') != std::string_view::npos || v.size() > 128)
           throw std::runtime_error("cluster.cell: 1 to 128 characters, no '/'");
         c.cluster.cell = std::string(v);
       }},
      {"cluster.name",
       "This server's name in the cell: unique, stable across restarts (its ring positions "
       "derive from it). Default: <cluster.advertise_host>:<MQTT port>",
       [](Config& c, std::string_view v) {
         if (v.find('/') != std::string_view::npos || v.size() > 128)
           throw std::runtime_error("cluster.name: at most 128 characters, no '/'");
         c.cluster.name = std::string(v);
       }},
      {"cluster.tokens",
       "Positions of each server on the cell's ring; every server of a cell must use the same "
       "count (a server with another is refused at start). Default: 2048 (max/mean load 1.075 "
       "at 1,000 servers)",
       [](Config& c, std::string_view v) {
         const auto n = to_u64_max("cluster.tokens", v, 65536);
         if (n == 0) throw std::runtime_error("cluster.tokens: at least 1");
         c.cluster.tokens = static_cast<std::uint32_t>(n);
       }},
      {"cluster.session_timeout_ms",
       "ZooKeeper session timeout asked for; the server stops serving a quarter of it after "
       "losing ZooKeeper, before its peers may take its users. Default: 4000",
       [](Config& c, std::string_view v) {
         c.cluster.session_timeout = std::chrono::milliseconds(to_u64_max("cluster.session_timeout_ms", v, 600'000));
       }},
      {"cluster.advertise_host",
       "IP address that peers and relays use to reach this server's ports. Default: 127.0.0.1",
       [](Config& c, std::string_view v) {
         boost::system::error_code ec;
         boost::asio::ip::make_address(std::string(v), ec);
         if (ec) throw std::runtime_error(fmt::format("cluster.advertise_host: an IP address, got '{}'", v));
         c.cluster.advertise_host = std::string(v);
       }},
      {"cluster.redirect_mqtt5",
       "A device whose user another server of the cell owns is relayed to it; with this on, an "
       "MQTT 5 device instead gets CONNACK 0x9C (use another server) with a Server Reference to "
       "the owner and connects there itself (3.1.1 devices are always relayed). Default: false",
       [](Config& c, std::string_view v) { c.cluster.redirect_mqtt5 = to_bool("cluster.redirect_mqtt5", v); }},
      {"cluster.redirect_http",
       "An HTTP API request whose user another server of the cell owns is proxied to it; with "
       "this on, a request on the plain HTTP port instead gets 307 with the owner's URL (over "
       "HTTPS it is still proxied). Default: false",
       [](Config& c, std::string_view v) { c.cluster.redirect_http = to_bool("cluster.redirect_http", v); }},
      {"cluster.http_proxy_timeout_ms",
       "Time the owner has to answer an HTTP request proxied to it (a long poll's own wait "
       "comes on top); past it the caller gets 503 with Retry-After. Default: 5000",
       [](Config& c, std::string_view v) {
         const auto ms = to_u64_max("cluster.http_proxy_timeout_ms", v, 600'000);
         if (ms == 0) throw std::runtime_error("cluster.http_proxy_timeout_ms: at least 1");
         c.cluster.http_proxy_timeout = std::chrono::milliseconds(ms);
       }},
      {"cluster.http_proxy_max_concurrent",
       "HTTP requests proxied to other servers of the cell at once, across this server; more "
       "get 503 with Retry-After. Default: 256",
       [](Config& c, std::string_view v) {
         const auto n = to_u64_max("cluster.http_proxy_max_concurrent", v, 1'000'000);
         if (n == 0) throw std::runtime_error("cluster.http_proxy_max_concurrent: at least 1");
         c.cluster.http_proxy_max_concurrent = n;
       }},
      {"cluster.http_proxy_max_answer_bytes",
       "Largest answer body taken from the owner of a proxied HTTP request; a larger one gets "
       "the caller 502. Default: 16777216 (16 MiB)",
       [](Config& c, std::string_view v) {
         const auto n = to_u64_max("cluster.http_proxy_max_answer_bytes", v, std::uint64_t{1} << 32);
         if (n == 0) throw std::runtime_error("cluster.http_proxy_max_answer_bytes: at least 1");
         c.cluster.http_proxy_max_answer_bytes = n;
       }},
      {"cluster.disconnect_rate",
       "Clients of users that moved to another server (a server joined or left, this one "
       "drains) are told to reconnect at most this many per second, so the new owners are not "
       "hit by every device at once; 0 = all at once. Default: 2000",
       [](Config& c, std::string_view v) {
         c.cluster.disconnect_rate = to_u64_max("cluster.disconnect_rate", v, 10'000'000);
       }},
      {"cluster.drain_timeout_ms",
       "On SIGTERM a cell member first withdraws from the ring (its users go to the peers) and "
       "tells its clients to reconnect, at cluster.disconnect_rate, for at most this long; then "
       "it closes what is left and exits. Default: 10000",
       [](Config& c, std::string_view v) {
         c.cluster.drain_timeout = std::chrono::milliseconds(to_u64_max("cluster.drain_timeout_ms", v, 600'000));
       }},
      {"cluster.admin_users",
       "User ids, comma-separated, whose device tokens may read the deployment report: GET "
       "/v1/admin/cells and the read-only admin page /app/admin.html (every cell, server, figure "
       "and the database pair, as irisctl cells shows them). Default: none",
       [](Config& c, std::string_view v) {
         c.cluster.admin_users.clear();
         while (!v.empty()) {
           const auto comma = v.find(',');
           const auto item = v.substr(0, comma);
           const auto id = core::parse_id(item);
           if (!id || *id == 0) {
             throw std::runtime_error(fmt::format("cluster.admin_users: not a user id: '{}'", item));
           }
           c.cluster.admin_users.push_back(core::UserId{*id});
           v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
         }
       }},
      {"cluster.secret_file",
       "File holding the cluster secret that authenticates servers to each other on the "
       "server-to-server link (sends across servers and across cells); every server of every "
       "cell of the deployment needs the same one. Default: empty = the token secret "
       "(auth.secret_file), which the deployment's servers share anyway",
       [](Config& c, std::string_view v) { c.cluster.secret_file = std::string(v); }},
      {"cluster.link_window",
       "Fan-out frames in flight to one peer before its acknowledgements (the link's window; "
       "peers are told it as their Receive Maximum, and the smaller of two peers' windows "
       "holds). Each frame waits for the receiver's commit, so the link carries about "
       "window / commit time frames per second. Default: 512",
       [](Config& c, std::string_view v) {
         const auto n = to_u64_max("cluster.link_window", v, 65'535);
         if (n == 0) throw std::runtime_error("cluster.link_window: at least 1");
         c.cluster.link_window = n;
       }},
      {"cluster.link_queue_bytes",
       "Bytes of fan-out frames waiting for one peer; beyond, a share waits in the store for the "
       "next scan. Default: 4194304",
       [](Config& c, std::string_view v) { c.cluster.link_queue_bytes = to_u64_max("cluster.link_queue_bytes", v, std::uint64_t{1} << 32); }},
      {"cluster.fanout_retry_ms",
       "How often the store's pending fan-out is scanned and what no peer confirmed is sent "
       "again (after a crash, a lost link, a ring change). Default: 500",
       [](Config& c, std::string_view v) {
         const auto n = to_u64_max("cluster.fanout_retry_ms", v, 600'000);
         if (n == 0) throw std::runtime_error("cluster.fanout_retry_ms: at least 1");
         c.cluster.fanout_retry = std::chrono::milliseconds(n);
       }},
      {"cluster.fanout_confirm_ms",
       "How long rows every peer confirmed wait before they are removed from the store's "
       "pending fan-out, so that one write removes many (each removal is a transaction the "
       "replica syncs); a crash meanwhile only sends them again, and peers drop the repeat. "
       "0 = at once. Default: 50",
       [](Config& c, std::string_view v) {
         c.cluster.fanout_confirm_delay = std::chrono::milliseconds(to_u64_max("cluster.fanout_confirm_ms", v, 10'000));
       }},
      {"cluster.link_ack_timeout_ms",
       "A peer that acknowledges no fan-out frame for this long is disconnected and its shares "
       "sent again. Default: 5000",
       [](Config& c, std::string_view v) {
         c.cluster.link_ack_timeout = std::chrono::milliseconds(to_u64_max("cluster.link_ack_timeout_ms", v, 600'000));
       }},
      {"cluster.fanout_max_pending",
       "Pending fan-out rows the forwarder holds in memory at once; the rest waits in the store. "
       "Default: 100000",
       [](Config& c, std::string_view v) { c.cluster.fanout_max_pending = to_u64_max("cluster.fanout_max_pending", v, 10'000'000); }},
  };
  return kOptions;
}

void apply(Config& c, std::string_view key, std::string_view value, const std::string& where) {
  for (const auto& o : options()) {
    if (o.key == key) {
      try {
        o.set(c, value);
      } catch (const std::runtime_error& e) {
        throw std::runtime_error(where.empty() ? e.what() : fmt::format("{}: {}", where, e.what()));
      }
      return;
    }
  }
  throw std::runtime_error(fmt::format("{}unknown option '{}' (see irisd --help)",
                                       where.empty() ? "" : where + ": ", key));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// File format: one `key = value` per line; blank lines are ignored. `#` starts a comment at
// the start of a line, or after a space when a space or the line's end follows it (so
// `x = 5 # note` is 5, and a topic filter such as `#:0x87` or `a/#` stays a value).
std::string_view strip_comment(std::string_view l) {
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (l[i] != '#') continue;
    const bool line_start = trim(l.substr(0, i)).empty();
    const bool word = i > 0 && (l[i - 1] == ' ' || l[i - 1] == '\t') &&
                      (i + 1 == l.size() || l[i + 1] == ' ' || l[i + 1] == '\t');
    if (line_start || word) return l.substr(0, i);
  }
  return l;
}

void load_file(Config& c, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("cannot read config file {}", path));
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::string_view l = line;
    l = trim(strip_comment(l));
    if (l.empty()) continue;
    const auto eq = l.find('=');
    const std::string where = fmt::format("{}:{}", path, n);
    if (eq == std::string_view::npos) throw std::runtime_error(where + ": expected 'key = value'");
    apply(c, trim(l.substr(0, eq)), trim(l.substr(eq + 1)), where);
  }
}

}  // namespace

std::string help_text() {
  std::string out =
      "Usage: irisd [--config FILE] [--KEY=VALUE ...]\n"
      "       irisd token --user USER --device DEVICE [--ttl 30d] [--config FILE | --data_dir DIR]\n"
      "       irisd trim --user USER --up_to SEQ [--config FILE | --data_dir DIR]\n"
      "       irisd db promote [--servers HOST:PORT,HOST:PORT] [--force 1] [--config FILE]\n"
      "       irisd --help | --version\n\n"
      "`irisd token` prints a device token (the MQTT password of DEVICE as USER) signed with\n"
      "the server's secret (auth.secret_file, created if missing); --ttl is its lifetime,\n"
      "a number with unit s, m, h or d (default 30d). USER is a user id as clients write it:\n"
      "decimal, 1 to 18446744073709551615, no sign or leading zero (01, -1, + are refused).\n\n"
      "`irisd trim` (server stopped) first brings USER's history up to date, then drops USER's\n"
      "updates up to SEQ from the queue store (never past what history holds); devices behind\n"
      "SEQ then get `too_old`.\n\n"
      "`irisd db promote [--servers H:P,H:P] [--force 1] [--admin_user root] [--admin_password P]\n"
      "[--repl_user repl] [--repl_password repl] [--database iris]` promotes the replica of a\n"
      "replicated MariaDB pair (docs/REPLICATION.md; --servers defaults to mariadb.servers, so\n"
      "--config FILE of the server names the pair). With the primary reachable it is a planned\n"
      "switchover: the primary is made read-only, the replica gets everything it logged and is\n"
      "promoted, the old primary becomes its replica; nothing is lost. With the primary gone the\n"
      "replica is promoted after applying what it received and the failover generation is\n"
      "bumped (devices resync); refused while the replica still receives from the primary\n"
      "unless --force 1. iris-dbmon does the same automatically.\n\n"
      "Iris message-sync server. Every option can be set in the config file as\n"
      "`key = value` or on the command line as --key=value (flags win over the file).\n\n"
      "Options:\n";
  for (const auto& o : options()) out += fmt::format("  --{}\n      {}\n", o.key, o.help);
  return out;
}

namespace {

// The keys of `irisd db promote`; false for any other key (config as usual).
bool apply_db_promote(DbPromoteRequest& r, std::string_view key, const std::string& value) {
  if (key == "servers") r.servers = value;
  else if (key == "admin_user") r.admin_user = value;
  else if (key == "admin_password") r.admin_password = value;
  else if (key == "repl_user") r.repl_user = value;
  else if (key == "repl_password") r.repl_password = value;
  else if (key == "database") r.database = value;
  else if (key == "force") {
    if (value != "0" && value != "1") throw std::runtime_error("db promote: --force takes 0 or 1");
    r.force = value == "1";
  } else {
    return false;
  }
  return true;
}

}  // namespace

Parsed parse_command_line(int argc, char** argv) {
  Parsed p;
  std::vector<std::pair<std::string, std::string>> flags;
  std::string config_file;
  int first = 1;
  if (argc > 1 && std::string_view(argv[1]) == "token") {
    p.command = Command::token;
    first = 2;
  } else if (argc > 1 && std::string_view(argv[1]) == "trim") {
    p.command = Command::trim;
    first = 2;
  } else if (argc > 1 && std::string_view(argv[1]) == "db") {
    if (argc < 3 || std::string_view(argv[2]) != "promote") {
      throw std::runtime_error("db: the only subcommand is `irisd db promote` (see irisd --help)");
    }
    p.command = Command::db_promote;
    first = 3;
  }
  for (int i = first; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      p.command = Command::help;
      return p;
    }
    if (arg == "--version") {
      p.command = Command::version;
      return p;
    }
    if (!arg.starts_with("--")) throw std::runtime_error(fmt::format("unexpected argument '{}' (see irisd --help)", arg));
    arg.remove_prefix(2);
    std::string key, value;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      key = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else {
      key = arg;
      if (i + 1 >= argc) throw std::runtime_error(fmt::format("--{} needs a value", key));
      value = argv[++i];
    }
    if (key == "config") config_file = value;
    else if (p.command == Command::token && key == "user") p.token.user = value;
    else if (p.command == Command::token && key == "device") p.token.device = value;
    else if (p.command == Command::token && key == "ttl") p.token.ttl = to_duration("ttl", value);
    else if (p.command == Command::trim && key == "user") p.trim.user = to_user_id("trim", value);
    else if (p.command == Command::trim && key == "up_to") p.trim.up_to = to_u64("up_to", value);
    else if (p.command == Command::db_promote && apply_db_promote(p.db_promote, key, value)) {}
    else flags.emplace_back(key, value);
  }
  if (!config_file.empty()) load_file(p.config, config_file);
  for (const auto& [k, v] : flags) apply(p.config, k, v, "");
  p.config.store.path = p.config.data_dir + "/queue";
  if (p.config.history.path.empty()) p.config.history.path = p.config.data_dir + "/history";
  if (!p.config.history_backend) {
    p.config.history_backend = p.config.store_backend == StoreBackend::mariadb ? HistoryBackend::mariadb
                                                                               : HistoryBackend::sqlite;
  }
  if (p.config.blobs.dir.empty()) p.config.blobs.dir = p.config.data_dir + "/blobs";
  if (p.config.social_path.empty()) p.config.social_path = p.config.data_dir + "/social.sqlite";
  if (!p.config.social_backend) {
    p.config.social_backend = p.config.store_backend == StoreBackend::mariadb ? SocialBackend::mariadb
                                                                              : SocialBackend::sqlite;
  }
  if (p.config.mail.book_path.empty()) p.config.mail.book_path = p.config.data_dir + "/mail.sqlite";
  if (p.config.sms.book_path.empty()) p.config.sms.book_path = p.config.data_dir + "/sms.sqlite";
  if (!p.config.sms.verify_from.empty() && p.config.sms.provider_url.empty()) {
    throw std::runtime_error("sms.verify_from needs sms.provider_url (the codes are texted through the provider)");
  }
  if (!p.config.sms.listen.empty() && p.config.sms.auth_token.empty()) {
    throw std::runtime_error("sms.listen needs sms.auth_token_file (the webhook's signatures cannot be checked)");
  }
  if (p.config.secret_file.empty()) p.config.secret_file = p.config.data_dir + "/secret";
  if (!p.config.app_dir_set) p.config.net.http.app_dir = default_app_dir();
  if (p.command == Command::token && (p.token.user.empty() || p.token.device.empty())) {
    throw std::runtime_error("token: --user and --device are required");
  }
  // The token carries the user as text and the server compares it with the MQTT user name
  // as text: a token for "01" would name a user no client can log in as.
  if (p.command == Command::token) to_user_id("token", p.token.user);
  if (p.command == Command::trim && (p.trim.user == 0 || p.trim.up_to == 0)) {
    throw std::runtime_error("trim: --user and --up_to (both > 0) are required");
  }
  if (p.command == Command::db_promote && p.db_promote.servers.empty()) {
    // The pair irisd itself runs on (mariadb.servers, from the config file or a flag).
    p.db_promote.servers = fmt::format("{}", fmt::join(p.config.mariadb.servers, ","));
  }
  if (p.command == Command::db_promote && p.db_promote.servers.find(',') == std::string::npos) {
    throw std::runtime_error("db promote: --servers HOST:PORT,HOST:PORT (or mariadb.servers) must name both servers");
  }
  if (p.command == Command::token && p.token.ttl.count() == 0) {
    throw std::runtime_error("token: --ttl must be positive");
  }
  return p;
}

}  // namespace iris::irisd
