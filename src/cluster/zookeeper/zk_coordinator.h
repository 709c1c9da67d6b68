#pragma once
// ZooKeeperCoordinator: the Coordinator on a ZooKeeper ensemble, through the multi-threaded
// C client (libzookeeper-mt). docs/CLUSTER.md "ZooKeeper" describes the znodes:
//
//   <root>/cells/<cell>                  persistent; data: the cell's CellConfig (member_codec.h)
//   <root>/cells/<cell>/servers/<name>   ephemeral, one per live server; data: its ServerInfo
//   <root>/id_slots/<n>                  ephemeral, n < slots; data: "<cell>/<name>" of its holder
//
// Threads: the C client's own two threads call only `on_watch`, which records what happened
// and wakes this adapter's worker thread; every other ZooKeeper call (re-listing the members,
// which re-arms the one-shot watch in the same call, so no change falls between a read and
// its watch) and every listener callback runs on that worker. Listeners must not block.
//
// Expiry, before anyone else may take our users: the client library declares the connection
// lost after 2/3 of the session timeout T without hearing from the ensemble, so at that
// moment ZooKeeper has heard from us within the last 2T/3 (plus a round trip) and cannot
// expire us for another T/3 at least. The worker reports `expired` T/4 after a disconnection
// that did not heal, or at once when the library reports the session expired.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/coordinator.h"
#include "cluster/member_codec.h"

typedef struct _zhandle zhandle_t;

namespace iris::cluster {

struct ZooKeeperOptions {
  std::string hosts = "127.0.0.1:2181";  // the ensemble, "host:port,host:port"
  std::string root = "/iris";
  std::string cell = "default";
  std::chrono::milliseconds session_timeout{6000};  // requested; the ensemble may bound it
  std::chrono::milliseconds connect_timeout{10000};
};

class ZooKeeperCoordinator final : public Coordinator {
 public:
  // Connects and waits (up to connect_timeout) for the session; coordinator_unavailable when
  // the ensemble cannot be reached.
  static Result<std::unique_ptr<ZooKeeperCoordinator>> connect(ZooKeeperOptions options);
  ~ZooKeeperCoordinator() override;

  // Also refused (errc::name_conflict) when the cell was created with another token count.
  // A node left under our name by this server's previous process (same address and tokens)
  // is waited out, up to one session timeout, before giving up.
  Result<void> join(const ServerInfo& self, CoordinatorListener listener) override;
  void leave() override;
  Result<void> withdraw() override;
  SessionState session_state() const override;
  Result<void> evict(std::string_view name) override;

  // The session timeout the ensemble granted.
  std::chrono::milliseconds negotiated_timeout() const;
  // Claims a number below `slots` that no other live session holds, in every cell of the
  // deployment (<root>/id_slots, ephemeral: held until this session ends), for `holder`
  // ("<cell>/<name>", the node's data). The lowest free one from a start derived from the
  // holder, so that restarts tend to find their old number. coordinator_unavailable when
  // every number is held or ZooKeeper fails.
  Result<std::uint32_t> claim_id_slot(std::string_view holder, std::uint32_t slots);

 private:
  explicit ZooKeeperCoordinator(ZooKeeperOptions options);
  static void on_watch(zhandle_t* zh, int type, int state, const char* path, void* context);
  Result<void> ensure_cell(std::uint32_t tokens_per_server);
  Result<void> create_member(const ServerInfo& self);
  void run();
  void relist();
  void close_handle();

  ZooKeeperOptions options_;
  std::string cell_path_, servers_path_;
  std::string drain_path_;  // <cell>/drain/<self>: an operator's drain request (zk_admin.h)
  bool drain_heard_ = false;  // worker thread only
  zhandle_t* zh_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  SessionState state_ = SessionState::connecting;
  bool zk_expired_ = false;      // the library said so
  bool relist_ = false;          // a child watch fired or we reconnected
  bool stop_ = false;
  std::chrono::steady_clock::time_point lost_at_{};  // connection lost and not yet healed
  bool lost_ = false;

  std::string self_name_;         // set by join, cleared by leave (the caller's thread)
  std::atomic<bool> withdrawn_{false};
  CoordinatorListener listener_;  // worker thread only, once started
  Membership table_;              // worker thread only
  std::thread worker_;
};

}  // namespace iris::cluster
