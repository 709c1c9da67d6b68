#pragma once
// RocksDB's info log, sent to irisd's own log (base/log.h) instead of a LOG file in the
// database directory: that file sits on the disk that fills first, and RocksDB 7.8 (as Debian
// builds it, with assertions) aborts the process on the next line it writes after a failed
// one, so a full disk would kill the server instead of making it refuse writes and recover.
// Only warnings and errors are passed on (RocksDB's info level logs every flush and the whole
// option set at open).

#include <memory>

#include <rocksdb/env.h>

namespace iris::store::detail {

std::shared_ptr<rocksdb::Logger> make_rocksdb_info_log();

}  // namespace iris::store::detail
