#include "apps/irisd/server.h"

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "apps/irisd/private_files.h"
#include "apps/irisd/history_store_backend.h"
#include "apps/irisd/queue_store_backend.h"
#include "apps/irisd/secret.h"
#include "base/log.h"
#include "base/stop_signals.h"
#include "store/mariadb/mariadb_social_store.h"
#include "store/social/sqlite_social_store.h"

namespace iris::irisd {
namespace {

std::string port_text(const std::optional<std::uint16_t>& port) {
  return port ? std::to_string(*port) : "off";
}

// key=value lines, written to a temporary name and renamed, so a reader polling for the file
// never sees half of it.
bool write_ports_file(const std::string& path, const net::BoundPorts& ports,
                      std::optional<std::uint16_t> lmtp, std::optional<std::uint16_t> sms) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "bind=" << ports.address << "\n"
        << "mqtt=" << port_text(ports.mqtt) << "\n"
        << "mqtts=" << port_text(ports.mqtts) << "\n"
        << "ws=" << port_text(ports.ws) << "\n"
        << "http=" << port_text(ports.http) << "\n"
        << "https=" << port_text(ports.https) << "\n"
        << "lmtp=" << port_text(lmtp) << "\n"
        << "sms=" << port_text(sms) << "\n"
        << "pid=" << ::getpid() << "\n";
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

void raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  const auto soft = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    IRIS_LOG(info, "irisd", "open-file limit raised from {} to {}", soft, limit.rlim_max);
  }
}

Server::Server(const Config& config) : config_(config) {}

Server::~Server() { stop(); }

bool Server::start() {
  // Before anything is opened in it: a data dir an older irisd left readable is fixed here.
  if (auto changed = make_private_tree(config_.data_dir); !changed) {
    IRIS_LOG(error, "irisd", "cannot make the data dir {} private (0700): {}", config_.data_dir,
             changed.error().message());
    return false;
  } else if (*changed > 0) {
    IRIS_LOG(warn, "irisd", "data dir {}: took group and other permissions away from {} entries",
             config_.data_dir, *changed);
  }
  auto store = open_queue_store(config_);
  if (!store) {
    IRIS_LOG(error, "irisd", "cannot open the queue store ({}): {}", describe_queue_store(config_),
             store.error().message());
    return false;
  }
  store_ = std::move(*store);
  IRIS_LOG(info, "irisd", "queue store open: {} (sync={}, max_queue_length={})",
           describe_queue_store(config_), config_.store.sync, config_.store.max_queue_length);

  // History: a store that cannot open now is retried later (outage tolerance), not fatal.
  history_ = open_history_store(config_);
  writer_ = std::make_unique<sync::HistoryWriter>(*store_, *history_, config_.history_writer);
  if (auto tracked = writer_->track_all_queues(); !tracked) {
    IRIS_LOG(error, "irisd", "cannot list the queues for the history writer: {}", tracked.error().message());
    return false;
  }
  writer_->start();
  trimmer_ = std::make_unique<sync::RetentionTrimmer>(*store_, config_.retention, sync::HistoryWriter::system_clock);
  trimmer_->set_pass_hook([w = writer_.get()](const sync::RetentionTrimmer::Metrics& t) {
    const auto h = w->metrics();
    IRIS_LOG(info, "irisd",
             "history: {} applied in {} batches, {} failures, write p99 {} us; storage lag {} "
             "updates / {} ms over {} users; retention: {} trimmed in all, device lag {} updates / "
             "{} ms, {} of {} device cursors too old",
             h.applied, h.batches, h.failures, h.write_latency.quantile(0.99).count(),
             h.storage_lag.updates, h.storage_lag.age.count(), h.users_behind, t.trimmed_updates,
             t.device_lag.updates, t.device_lag.age.count(), t.devices_too_old, t.devices);
  });
  trimmer_->start();
  IRIS_LOG(info, "irisd", "history store: {}; retention window {} s, length cap {}, pass every {} ms",
           describe_history_store(config_),
           std::chrono::duration_cast<std::chrono::seconds>(config_.retention.policy.window).count(),
           config_.retention.policy.max_length, config_.retention.interval.count());

  auto secret = load_or_create_secret(config_.secret_file);
  if (!secret) {
    IRIS_LOG(error, "irisd", "auth.secret_file {}: {}", config_.secret_file,
             secret.error().message());
    return false;
  }
  signer_.emplace(std::move(*secret));
  const auto now = [] { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); };
  auth_ = std::make_unique<net::IrisAuth>(*signer_, now);
  // Each shard authorizes with its own IrisAuth, whose thread membership is that shard's
  // sync service (t/<thread>/ topics).
  auto authorizer = [this, now](const net::ThreadMembership& membership) -> std::unique_ptr<mqtt::Authorizer> {
    return std::make_unique<net::IrisAuth>(*signer_, membership, now);
  };

  auto blob_store = store::FsBlobStore::open(config_.blobs.dir);
  if (!blob_store) {
    IRIS_LOG(error, "irisd", "cannot open the blob store at {}: {}", config_.blobs.dir, blob_store.error().message());
    return false;
  }
  auto blobs = store::BlobService::open(config_.blobs, std::move(*blob_store), config_.blobs.dir + "/index.sqlite");
  if (!blobs) {
    IRIS_LOG(error, "irisd", "cannot open the blob index in {}: {}", config_.blobs.dir, blobs.error().message());
    return false;
  }
  blobs_ = std::move(*blobs);
  blob_sweeper_ = std::make_unique<store::BlobSweeper>(*blobs_);
  IRIS_LOG(info, "irisd", "blob store at {} (max {} bytes, unreferenced blobs kept {} s)", config_.blobs.dir,
           config_.blobs.max_bytes, config_.blobs.retention.count());

  if (config_.social_backend == SocialBackend::mariadb) {
    // A server that kept its social state in SQLite before (the default up to the version that
    // shares it in MariaDB) would otherwise start with none: every contact, block and folder
    // gone, a blocked sender let through. It refuses to start instead and says what to do.
    auto left = store::SqliteSocialStore::holds_state(config_.social_path);
    if (!left || *left) {
      IRIS_LOG(error, "irisd",
               "social.backend is mariadb but {} {}: contacts, blocks and folders would be left behind. Start "
               "with --social.backend sqlite to keep using them, or move the file away once they are in "
               "MariaDB (docs/DEPLOY.md \"Social state\")",
               config_.social_path, left ? "holds this server's earlier social state" : "cannot be read (" + left.error().message() + ")");
      return false;
    }
    // Shared by every server of the cell; reached lazily, like the history store (a database
    // that is down refuses sends and social requests `unavailable` until it answers).
    social_ = store::open_mariadb_social_store(config_.mariadb, config_.social_group_add_default);
    IRIS_LOG(info, "irisd", "social store: MariaDB {} at {} (shared by the cell)", config_.mariadb.database,
             fmt::join(config_.mariadb.servers, ","));
  } else {
    auto social = store::SocialStore::open(config_.social_path, config_.social_group_add_default);
    if (!social) {
      IRIS_LOG(error, "irisd", "cannot open the social store at {}: {}", config_.social_path, social.error().message());
      return false;
    }
    social_ = std::move(*social);
    if (config_.cluster.enabled()) {
      IRIS_LOG(warn, "irisd",
               "social store: SQLite at {} is this server's own: in a cell, blocks and folders of users owned "
               "elsewhere are judged only by their owners (social.backend = mariadb shares them; docs/CLUSTER.md)",
               config_.social_path);
    }
  }

  if (!config_.mail.lmtp_listen.empty() || !config_.mail.out_relay.empty()) {
    auto book = store::MailBook::open(config_.mail.book_path);
    if (!book) {
      IRIS_LOG(error, "irisd", "cannot open the mail book at {}: {}", config_.mail.book_path, book.error().message());
      return false;
    }
    mail_book_ = std::move(*book);
  }
  if (!config_.mail.out_relay.empty()) {
    mail_out_ = std::make_unique<net::MailOut>(config_.mail, *store_, *mail_book_, blobs_.get());
    mail_out_->start();
    IRIS_LOG(info, "irisd", "mail out: SMTP to {} as <user id>@{}", config_.mail.out_relay,
             config_.mail.domain.empty() ? "localhost" : config_.mail.domain);
  }

  sms_ = std::make_unique<SmsChannel>(config_.sms, *store_);
  if (!sms_->open()) return false;

  raise_open_file_limit();
  if (config_.cluster.enabled()) {
    // The admin report reads what this server reads: its cell's ZooKeeper and, on MariaDB,
    // the pair with its own account (the replication columns need REPLICATION CLIENT / SLAVE
    // MONITOR; without them the report says the servers could not be observed).
    ops::Options report;
    report.zookeeper = config_.cluster.zookeeper;
    report.root = config_.cluster.root;
    if (config_.store_backend == StoreBackend::mariadb) {
      for (const auto& server : config_.mariadb.servers) report.mariadb += (report.mariadb.empty() ? "" : ",") + server;
      report.admin_user = config_.mariadb.user;
      report.admin_password = config_.mariadb.password;
      report.database = config_.mariadb.database;
    }
    cell_ = std::make_unique<CellMember>(config_.cluster, std::move(report));
    owned_ = std::make_unique<cluster::OwnedQueueStore>(*store_, [c = cell_.get()] {
      const auto* view = c->view();
      return view ? view->snapshot() : nullptr;
    });
    cell_->set_claims(owned_.get());
    if (!start_forwarder()) return false;
  }
  store::QueueStore& served = owned_ ? static_cast<store::QueueStore&>(*owned_) : *store_;
  mqtt_ = std::make_unique<net::MqttServer>(config_.net, config_.mqtt, *auth_, *auth_,
                                            net::SyncBinding{served, config_.sync, history_.get(),
                                                             [w = writer_.get(), m = mail_out_.get(), s = sms_.get()](core::UserId u) {
                                                               w->notify(u);
                                                               if (m != nullptr) m->notify(u);
                                                               s->notify(u);
                                                             },
                                                             writer_.get(), trimmer_.get(), authorizer,
                                                             forwarder_.get(), social_.get()},
                                            net::HttpBinding{*signer_, blobs_.get(), sms_->verifier()});
  if (cell_) mqtt_->set_cell_routing(cell_->routing());
  auto ports = mqtt_->start();
  if (!ports) {
    IRIS_LOG(error, "irisd", "cannot start the listeners: {}", ports.error().message());
    return false;
  }
  auto show = [&](std::optional<std::uint16_t> p) {
    return p ? fmt::format("{}:{}", ports->address, *p) : std::string("off");
  };
  const std::string line =
      fmt::format("irisd: listening mqtt={} mqtts={} ws={} http={} https={}", show(ports->mqtt),
                  show(ports->mqtts), show(ports->ws), show(ports->http), show(ports->https));
  std::puts(line.c_str());
  std::fflush(stdout);
  IRIS_LOG(info, "irisd", "{} (allow_anonymous={}, max_packet_size={})", line,
           config_.mqtt.allow_anonymous, config_.mqtt.max_packet_size);
  if (cell_) {
    // Before the first claim: from now on the store appends only for users whose owner row
    // names this server or nobody (docs/CLUSTER.md "Ownership and fencing").
    const std::string name = cell_->self_name(*ports);
    if (auto fenced = store_->fence_as(name); !fenced) {
      IRIS_LOG(error, "irisd", "cluster: the queue store cannot fence as '{}': {}", name, fenced.error().message());
      return false;
    }
    if (!cell_->join(*ports, *mqtt_)) return false;
  }
  if (forwarder_) {
    forwarder_->set_self(cell_->self_name());
    forwarder_->start();
    IRIS_LOG(info, "irisd", "cluster: sends across servers over the cell link (window {}, queue {} bytes, retry {} ms)",
             config_.cluster.link_window, config_.cluster.link_queue_bytes, config_.cluster.fanout_retry.count());
  }
  std::optional<std::uint16_t> lmtp_port;
  if (!config_.mail.lmtp_listen.empty()) {
    mail_delivery_ = std::make_unique<net::MailDelivery>(config_.mail, config_.sync.requests, mqtt_->owner_router(),
                                                         blobs_.get(), mail_book_.get());
    lmtp_ = std::make_unique<net::LmtpServer>(config_.mail, *mail_delivery_);
    auto port = lmtp_->start();
    if (!port) return false;
    lmtp_port = *port;
    IRIS_LOG(info, "irisd", "mail in: LMTP on {} (port {}), users <id>@{}, max {} bytes per mail",
             config_.mail.lmtp_listen, *port, config_.mail.domain.empty() ? "*" : config_.mail.domain,
             config_.mail.max_message_bytes);
  }
  std::optional<std::uint16_t> sms_port;
  if (!sms_->start_in(config_.sync.requests, mqtt_->owner_router(), sms_port)) return false;
  if (!config_.ports_file.empty() && !write_ports_file(config_.ports_file, *ports, lmtp_port, sms_port)) {
    IRIS_LOG(error, "irisd", "cannot write ports_file {}", config_.ports_file);
    return false;
  }
  return true;
}

bool Server::start_forwarder() {
  std::string secret;
  if (config_.cluster.secret_file.empty()) {
    secret = *load_or_create_secret(config_.secret_file);  // loaded above: it exists
  } else if (auto s = load_or_create_secret(config_.cluster.secret_file); s) {
    secret = std::move(*s);
  } else {
    IRIS_LOG(error, "irisd", "cluster.secret_file {}: {}", config_.cluster.secret_file, s.error().message());
    return false;
  }
  auth_->accept_cell_peers(secret, static_cast<std::uint16_t>(config_.cluster.link_window));
  if (!store_->records_fanout()) {
    IRIS_LOG(warn, "irisd",
             "cluster: the queue store ({}) cannot record fan-out, so a send appends every participant "
             "here, whoever owns them; a cell should share one MariaDB store (docs/CLUSTER.md)",
             describe_queue_store(config_));
    return true;
  }
  ForwarderOptions o;
  o.self = config_.cluster.name;  // CellMember fills in the default name the same way at join
  o.cell = config_.cluster.cell;
  o.secret = std::move(secret);
  o.window = config_.cluster.link_window;
  o.queue_bytes = config_.cluster.link_queue_bytes;
  o.retry = config_.cluster.fanout_retry;
  o.confirm_delay = config_.cluster.fanout_confirm_delay;
  o.ack_timeout = config_.cluster.link_ack_timeout;
  o.max_pending = config_.cluster.fanout_max_pending;
  o.max_recipients = config_.sync.requests.max_participants;
  forwarder_ = std::make_unique<CellForwarder>(std::move(o), *store_, [c = cell_.get()] { return c->view(); });
  return true;
}

void Server::run_until_signal() {
  const int sig = wait_for_stop_signal();
  IRIS_LOG(info, "irisd", "received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  if (cell_) cell_->drain();  // hand the users over before the listeners close
  stop();
}

void Server::stop() {
  // Reverse order of start. The queue store is closed after the MQTT threads stop but before
  // the MQTT server is destroyed, because closing it completes the writes still queued, and
  // their completions post to the shards' io_contexts (which must still exist; nothing runs
  // them any more) and notify the history writer (which must still exist too).
  if (cell_) cell_->leave();
  if (sms_) sms_->stop_in();
  if (lmtp_) {
    lmtp_->stop();
    const auto lm = lmtp_->metrics();
    IRIS_LOG(info, "irisd", "LMTP stopped: {} connections ({} refused), {} mails, {} recipients delivered, {} refused",
             lm.connections, lm.refused_connections, lm.mails, lm.delivered, lm.refused);
  }
  if (forwarder_) forwarder_->stop();  // before the store closes: it confirms rows there
  std::optional<net::ServerMetrics> m;
  if (mqtt_) {
    mqtt_->stop();
    m = mqtt_->metrics();
  }
  trimmer_.reset();
  if (sms_) sms_->stop_out();
  if (mail_out_) {
    mail_out_->stop();
    const auto mo = mail_out_->metrics();
    IRIS_LOG(info, "irisd",
             "mail out stopped: {} sent, {} temporary failures, {} given up, {} without an address, {} attachments "
             "sent, {} named instead",
             mo.sent, mo.temporary, mo.given_up, mo.no_address, mo.attached, mo.left_out);
  }
  if (writer_) {
    writer_->stop();
    // A short drain, so that a clean stop leaves history caught up (for `irisd trim`, and
    // less to replay at the next start); what is left is found by track_all_queues then.
    if (store_ && !writer_->flush(std::chrono::seconds(2))) {
      IRIS_LOG(warn, "irisd", "history writer stopped before catching up; it resumes at next start");
    }
  }
  if (store_) {
    const auto refused = store_->stats().not_owner_refusals;
    store_.reset();
    IRIS_LOG(info, "irisd", "queue store closed ({} appends refused by ownership fencing)", refused);
  }
  owned_.reset();
  if (writer_) {
    const auto h = writer_->metrics();
    IRIS_LOG(info, "irisd", "history writer stopped: {} updates applied in {} batches, {} failures",
             h.applied, h.batches, h.failures);
    writer_.reset();
  }
  if (mqtt_) {
    mqtt_.reset();
    IRIS_LOG(info, "irisd",
             "MQTT listeners stopped: {} connects accepted, {} refused, {} malformed packets, "
             "{} protocol errors, {} too large, {} slow consumers, {} over the connection limit",
             m->mqtt.connects_accepted, m->mqtt.connects_rejected, m->mqtt.malformed_packets,
             m->mqtt.protocol_errors, m->mqtt.packets_too_large, m->slow_consumers,
             m->connections_refused);
  }
  // Completions of deliveries still on a shard hold no reference to these (lmtp_server.h).
  lmtp_.reset();
  mail_delivery_.reset();
  forwarder_.reset();  // after the MQTT server: its shards held it
  mail_out_.reset();
  mail_book_.reset();
  sms_.reset();
  blob_sweeper_.reset();
  blobs_.reset();
  social_.reset();
  auth_.reset();
  history_.reset();
}

}  // namespace iris::irisd
