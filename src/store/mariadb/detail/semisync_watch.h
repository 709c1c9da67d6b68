#pragma once
// SemiSyncWatch: tells from periodic samples of the writable server's semi-sync status
// (`Rpl_semi_sync_master_status`, `Rpl_semi_sync_master_no_tx`) when the primary fell back
// to asynchronous replication, i.e. committed (and so let irisd acknowledge) writes that are
// on the primary only. Pure: the store's pair watch feeds it samples and counts and logs
// what it reports.
//
// A fallback is, between two samples of the same server: the status went from ON to OFF, or
// commits without a replica's acknowledgement (no_tx) grew (a fallback and a recovery both
// between the samples). A server seen OFF from its first sample is a deployment without
// semi-sync (a single server), not a fallback; a new server (a failover) starts afresh.

#include <cstdint>
#include <optional>
#include <string>

namespace iris::store::mariadb::detail {

struct SemiSyncSample {
  std::string server;  // host:port of the writable server sampled
  bool on = false;     // Rpl_semi_sync_master_status
  std::uint64_t no_tx = 0;  // Rpl_semi_sync_master_no_tx
};

class SemiSyncWatch {
 public:
  // True if `sample` shows a fallback since the previous sample of the same server.
  bool observe(const SemiSyncSample& sample) {
    const bool fell_back = last_ && last_->server == sample.server &&
                           ((last_->on && !sample.on) || (sample.on && sample.no_tx > last_->no_tx));
    last_ = sample;
    return fell_back;
  }

 private:
  std::optional<SemiSyncSample> last_;
};

}  // namespace iris::store::mariadb::detail
