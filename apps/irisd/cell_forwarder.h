#pragma once
// CellForwarder: irisd's side of sends across servers (docs/CLUSTER.md "Sends across
// servers"). The shards hand it each committed remote share (sync::CellFanout::forward); it
// splits the recipients by their owner (this cell's ring for a user placed here, the ring of
// the user's cell for a user of another cell: docs/CLUSTER.md "Sends across cells"), sends
// each owner a frame (sync/fanout_frame.h) over the server-to-server link, a QoS 1 PUBLISH on
// c/fanout over the owner's MQTT port authenticated as "cell:<this cell>/<this server>" with
// the deployment's cluster secret, and once every owner acknowledged
// its share removes the store's pending row (the fan-out pointer advances; one store write
// removes every row confirmed while the previous one was in flight).
//
// The store's rows are the truth and this class only a cache of them: every
// cluster.fanout_retry_ms it scans the rows of the senders this server owns now and sends
// those not in hand, so a share that failed anywhere (a refusal, a lost link, a full queue, a
// dead forwarder, a ring change) is sent again, whole, to whoever owns its recipients then.
//
// As the shards' CellFanout it also answers who owns a user (the cell's view) and makes the
// server's message and thread ids (sync::CellIdGenerator, with the id slot in that view).
//
// Threads: one of its own, running the links' Asio io_context and the scan; forward(),
// owns() and next_id() are called from shard and commit threads. Bounds per peer link: cluster.link_window
// frames unacknowledged, cluster.link_queue_bytes waiting; frames over those wait in the
// store for the next scan.

#include <atomic>
#include <chrono>
#include <functional>
#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cluster/cell_view.h"
#include "store/queue_store.h"
#include "sync/fanout_tracker.h"
#include "sync/request_planner.h"
#include "sync/sync_shard.h"
#include "wire/messages.h"

namespace iris::irisd {

struct ForwarderOptions {
  std::string self;    // this server's name in the cell
  std::string cell;    // this server's cell
  std::string secret;  // the deployment's cluster secret: the link's password derives from it
  std::size_t window = 512;
  std::size_t queue_bytes = std::size_t{4} << 20;
  std::chrono::milliseconds retry{500};
  std::chrono::milliseconds confirm_delay{50};
  std::chrono::milliseconds ack_timeout{5000};
  std::size_t max_pending = 100'000;
  std::size_t max_recipients = 250;
};

class CellForwarder final : public sync::CellFanout {
 public:
  // The cell's current view, null before this server joined (then it owns nobody and
  // forwards nothing). Thread-safe.
  using ViewOf = std::function<const cluster::CellView*()>;
  // `store` must outlive the forwarder.
  CellForwarder(ForwarderOptions options, store::QueueStore& store, ViewOf view);
  ~CellForwarder() override;

  // Starts the thread; stop() (or the destructor) ends it, dropping what is in hand (it is
  // all in the store).
  void start();
  void stop();
  // This server's name as it joined (its default is known only then). Call before start().
  void set_self(std::string name) { options_.self = std::move(name); }

  bool owns(core::UserId user) const override;
  std::function<bool(core::UserId)> owns_by_one_view() const override;
  bool makes_ids() const override { return true; }
  std::optional<std::uint64_t> next_id(core::Timestamp now) override;
  bool placed_here(core::UserId user) const override;
  void forward(store::PendingFanout pending) override;
  // A checked typing signal of a user this server serves: sent at QoS 0 to every other server
  // of the cell, whose devices of the thread's participants subscribe there. Ephemeral like
  // the signal: dropped for a peer whose link is not up or is backed up. Any thread.
  void typing(const wire::Typing& signal) override;

  struct Stats {
    std::uint64_t frames_sent = 0, frames_confirmed = 0, frames_refused = 0, rows_removed = 0,
                  rows_rescanned = 0, link_failures = 0;
  };
  Stats stats() const;

 private:
  class Link;
  void take(store::PendingFanout pending);
  // In order per sender (docs/CLUSTER.md "Sends across servers"): a committed share goes out
  // at once only while every older row of its sender is in hand; otherwise the scan sends it.
  void take_live(store::PendingFanout pending);
  bool older_rows_in_hand(sync::FanoutKey key) const;
  void scan();
  void arm_scan();
  // Links (and the tracker's owners) are keyed by the owner's name in this cell, and by
  // peer_key(cell, name) for an owner of another cell (names are unique only in a cell).
  static std::string peer_key(std::string_view cell, std::string_view server);
  Link& link_to(const std::string& name, const std::string& address);
  void on_ack(const std::string& owner, sync::FanoutKey key, bool ok);
  void on_link_down(const std::string& owner);
  void schedule_removal();
  void remove_confirmed();

  ForwarderOptions options_;  // self is set once, before start
  store::QueueStore& store_;
  std::shared_ptr<const cluster::CellSnapshot> snapshot() const;

  ViewOf view_;
  boost::asio::io_context io_;
  boost::asio::steady_timer scan_timer_{io_};
  boost::asio::steady_timer confirm_timer_{io_};
  // Forwarder thread only.
  sync::FanoutTracker tracker_;
  std::map<std::string, std::unique_ptr<Link>> links_;  // by owner name
  // Senders whose committed shares go out at once: every older row of theirs is in hand.
  // A failure, a lost link or a sender newly owned here sends them through the scan (in seq
  // order) until a check finds them in order again. At most cluster.fanout_max_pending.
  std::set<core::UserId> in_order_;
  // Rows confirmed everywhere, waiting for the store: at most one removal is in flight, and
  // the next, cluster.fanout_confirm_ms after the first row waiting, takes every row confirmed
  // meanwhile (one write for many). Until removed, a row stays in the tracker, so the scan
  // does not send it again.
  std::vector<sync::FanoutKey> to_remove_;
  bool removing_ = false;  // a removal is in flight or its timer armed
  std::atomic<std::uint64_t> sent_{0}, confirmed_{0}, refused_{0}, removed_{0}, rescanned_{0}, failures_{0};
  std::thread thread_;
  sync::CellIdGenerator ids_;
};

}  // namespace iris::irisd
