#pragma once
// MariaDB GTID positions ("0-1-42,1-2-7": domain-server-seq per replication domain), as
// @@gtid_binlog_pos, @@gtid_slave_pos and SHOW SLAVE STATUS's Gtid_IO_Pos print them.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/result.h"

namespace iris::dbpair {

struct Gtid {
  std::uint32_t server_id = 0;
  std::uint64_t seq = 0;
  bool operator==(const Gtid&) const = default;
};

// The last GTID of each domain. Under gtid_strict_mode seqs only grow within a domain,
// whichever server wrote them, so a position is ordered by seq per domain.
class GtidPos {
 public:
  // Empty text is the empty position. Refuses anything but comma-separated d-s-n triples,
  // and one domain twice.
  static Result<GtidPos> parse(std::string_view text);

  // True when every transaction this position names in a domain is at or before `other`'s
  // position in that domain: a server at `other` has everything a server at *this has.
  bool within(const GtidPos& other) const;
  bool empty() const { return domains_.empty(); }
  std::string to_string() const;
  bool operator==(const GtidPos&) const = default;

 private:
  std::map<std::uint32_t, Gtid> domains_;
};

}  // namespace iris::dbpair
