#pragma once
// Server: builds the parts in dependency order and stops them in reverse. Wiring only.
//
// Start order: queue store, history store, history writer (catching up every queue),
// retention trimmer, token secret and authenticator, MQTT server (its shards, each with a
// sync service, a SyncGateway and its own authorizer, then the listeners), cell membership.
// Stop (Server::stop) runs the reverse, except where a completion still needs a later part:
//  1. the cell is left (peers take the users at once);
//  2. the MQTT server stops: listeners closed, clients told the server is going away, shard
//     threads joined; the shards themselves still exist;
//  3. the trimmer, then the history writer (with a short final drain into history);
//  4. the queue store closes: it completes the writes still queued, whose completions post
//     to the shards' io_contexts (nothing runs them any more) and notify the writer, so both
//     must still exist here;
//  5. the writer is destroyed, then the MQTT server (shards, their sync services, gateways
//     and per-shard authorizers), then the authenticator, then the history store.

#include <memory>
#include <optional>

#include "apps/irisd/cell_forwarder.h"
#include "apps/irisd/cell_member.h"
#include "apps/irisd/config.h"
#include "net/iris_auth.h"
#include "net/lmtp_server.h"
#include "net/mail_delivery.h"
#include "net/mail_out.h"
#include "apps/irisd/sms_channel.h"
#include "net/mqtt_server.h"
#include "net/token.h"
#include "store/blob/blob_service.h"
#include "store/blob/blob_sweeper.h"
#include "store/blob/fs_blob_store.h"
#include "store/mail/mail_book.h"
#include "store/social/social_store.h"
#include "store/history_store.h"
#include "store/queue_store.h"
#include "sync/history_writer.h"
#include "sync/retention_trimmer.h"

namespace iris::irisd {

class Server {
 public:
  explicit Server(const Config& config);
  ~Server();

  // Opens everything; returns false (after logging why) if any part cannot start.
  bool start();
  // Blocks until SIGINT or SIGTERM, then stops.
  void run_until_signal();
  void stop();
  // The cell's ZooKeeper session expired (the stop was not asked for): irisd exits with 3.
  bool cell_expired() const { return cell_ && cell_->expired(); }

 private:
  // In a cell (cell_ made): the link's secret and, with a store that records fan-out, the
  // forwarder.
  bool start_forwarder();

  const Config& config_;  // must outlive the server: owned by main()
  std::unique_ptr<store::QueueStore> store_;
  std::unique_ptr<store::HistoryStore> history_;
  std::unique_ptr<sync::HistoryWriter> writer_;
  std::unique_ptr<sync::RetentionTrimmer> trimmer_;
  std::optional<net::TokenSigner> signer_;
  std::unique_ptr<net::IrisAuth> auth_;
  std::unique_ptr<store::BlobService> blobs_;
  std::unique_ptr<store::SocialStore> social_;  // contacts, blocks, folders (issue 22)
  std::unique_ptr<store::BlobSweeper> blob_sweeper_;
  std::unique_ptr<net::MqttServer> mqtt_;
  // Mail in (mail.lmtp_listen): started after the MQTT server, whose shards it delivers to,
  // and stopped before it.
  std::unique_ptr<net::MailDelivery> mail_delivery_;
  std::unique_ptr<net::LmtpServer> lmtp_;
  // Mail out (mail.out_relay) and the book that mail in fills for it (open when either is on).
  // MailOut exists before the MQTT server (the shards notify it) and after the queue store
  // closes (its last completions notify it too); its thread stops before the store closes.
  std::unique_ptr<store::MailBook> mail_book_;
  std::unique_ptr<net::MailOut> mail_out_;
  // SMS in and out (sms.*), created before the MQTT server like mail out.
  std::unique_ptr<SmsChannel> sms_;
  // Set when cluster.zookeeper is: joined once the listeners are bound, left first at stop.
  std::unique_ptr<CellMember> cell_;
  // In a cell, what the shards write through: claims users before appending (fencing).
  // Destroyed after store_, whose closing completes claims that call back into it.
  std::unique_ptr<cluster::OwnedQueueStore> owned_;
  // In a cell whose store records fan-out: sends across servers. Built before the MQTT
  // server (its shards hold it), stopped before the store closes, destroyed after the MQTT
  // server.
  std::unique_ptr<CellForwarder> forwarder_;
};

// Raises the soft open-file limit to the hard one: every connection is a descriptor.
void raise_open_file_limit();

}  // namespace iris::irisd
