#pragma once
// irisd's configuration: one table of options that the config file, the command line and
// --help all read, so they can never disagree. Parsed once at startup into typed structs
// that are passed down by const&; nothing reads global config.

#include <string>
#include <vector>

#include <chrono>
#include <optional>

#include "base/log.h"
#include "cluster/cell_options.h"
#include "core/social_policy.h"
#include "mail/mail_options.h"
#include "sms/sms_options.h"
#include "mqtt/options.h"
#include "net/net_options.h"
#include "store/mariadb/mariadb_options.h"
#include "store/sqlite/sqlite_history_store.h"
#include "store/store_options.h"
#include "sync/history_writer.h"
#include "sync/retention_trimmer.h"
#include "store/blob/blob_options.h"
#include "sync/sync_shard.h"

namespace iris::irisd {

// Where the queues live: the embedded RocksDB store (one node, the default) or MariaDB (a
// replicated primary + semi-sync replica that outlives any one irisd; README "Running on
// MariaDB").
enum class StoreBackend { rocksdb, mariadb };
// Where the history lives: SQLite (a file under history.path, one node) or MariaDB (the
// history_* tables of mariadb.database on the same pair as a MariaDB queue). Issue 17.
enum class HistoryBackend { sqlite, mariadb };
// Where the social state lives: SQLite (social.path, one server's own) or MariaDB (the
// social_* tables of mariadb.database, shared by every server of a cell). Issue 22.
enum class SocialBackend { sqlite, mariadb };

struct Config {
  // Root of every on-disk file of this server; the queue store lives in <data_dir>/queue.
  std::string data_dir = "data";
  log::Level log_level = log::Level::info;
  store::StoreOptions store;
  StoreBackend store_backend = StoreBackend::rocksdb;
  // The MariaDB servers, account and timeouts (store.backend = mariadb).
  store::MariaDbOptions mariadb;
  // history.backend; unset follows store.backend (mariadb with mariadb, else sqlite).
  std::optional<HistoryBackend> history_backend;
  // The SQLite history store; an empty path means <data_dir>/history.
  store::HistoryStoreOptions history{.path = "", .reopen_interval = std::chrono::milliseconds{1000}};
  sync::HistoryWriterOptions history_writer;
  // Attachments: the blob store (an empty dir means <data_dir>/blobs) and its limits.
  store::BlobOptions blobs;
  // Mail in over LMTP (mail.*): off unless mail.lmtp_listen is set.
  mail::MailOptions mail;
  // SMS in (sms.listen) and out (sms.provider_url): off unless set.
  sms::SmsOptions sms;
  // social.backend; unset follows store.backend (mariadb with mariadb, else sqlite).
  std::optional<SocialBackend> social_backend;
  // social.path: the contacts, blocks and folders database (SQLite); empty means
  // <data_dir>/social.sqlite.
  std::string social_path;
  core::GroupAdd social_group_add_default = core::GroupAdd::contacts;
  // Retention window, length cap and trimmer interval.
  sync::RetentionOptions retention;
  mqtt::MqttOptions mqtt;
  net::NetOptions net;
  // The sync service's limits (request sizes, batch sizes, delivery window, memory tier,
  // resync rate); defaults for now, documented in src/sync.
  sync::SyncOptions sync;
  // The HMAC secret that signs device tokens; created (mode 0600) on first start if missing.
  // Empty means <data_dir>/secret (filled in by parse_command_line).
  std::string secret_file;
  // If set, the bound ports are written here once listening, as `key=value` lines
  // (mqtt=, mqtts=, ws=, http=, https=, bind=, pid=), for scripts and tests that start irisd on port 0.
  std::string ports_file;
  // Membership in a cell (cluster.*); disabled unless cluster.zookeeper is set.
  cluster::CellOptions cluster;
  // http.app_dir was given (else it is default_app_dir(), filled in by parse_command_line).
  bool app_dir_set = false;
};

// What the command line asked for besides running the server.
enum class Command { run, help, version, token, trim, db_promote };

// `irisd token --user U --device D [--ttl 30d]`: issue a device token from the secret.
struct TokenRequest {
  std::string user;
  std::string device;
  std::chrono::seconds ttl{30 * 24 * 3600};
};

// `irisd trim --user U --up_to SEQ`: drops U's updates up to SEQ from the queue store of a
// stopped server, ahead of the retention window. It first lets the history writer catch U up
// (which moves the `storage` cursor), and refuses to trim past what history holds, so the
// retention rule holds. For operators and tests of `too_old`.
struct TrimRequest {
  std::uint64_t user = 0;
  std::uint64_t up_to = 0;
};

// `irisd db promote [--servers H:P,H:P] [--force 1]`: promotes the replica of a replicated MariaDB
// pair by hand (a planned switchover when the primary is reachable; docs/REPLICATION.md).
// The keys below are the command's own; every other key is config as usual.
struct DbPromoteRequest {
  std::string servers;  // both servers, "host:port,host:port"; default: mariadb.servers
  std::string admin_user = "root";
  std::string admin_password;
  std::string repl_user = "repl";
  std::string repl_password = "repl";
  std::string database = "iris";
  bool force = false;
};

struct Parsed {
  Command command = Command::run;
  Config config;
  TokenRequest token;
  TrimRequest trim;
  DbPromoteRequest db_promote;
};

// Parses `irisd [token] [--config FILE] [--KEY=VALUE | --KEY VALUE]...`. With `token` first,
// --user, --device and --ttl describe the token and every other key is config as usual (so
// --config or --data_dir find the secret). Values from the file are
// applied first, flags after, so a flag overrides the file. Throws std::runtime_error with
// a message naming the key (and file:line) on any bad input: this is startup, not a handler.
Parsed parse_command_line(int argc, char** argv);

// The --help text: usage, then every option with its meaning, unit and default.
std::string help_text();

}  // namespace iris::irisd
