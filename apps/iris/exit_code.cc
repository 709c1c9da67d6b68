#include "apps/iris/exit_code.h"

#include "client/errc.h"

namespace iris::cli {

int exit_code(std::error_code ec) {
  if (!ec) return kExitOk;
  if (ec == std::errc::invalid_argument) return kExitUsage;
  if (ec.category() != client::error_category()) return kExitOther;
  switch (static_cast<client::errc>(ec.value())) {
    case client::errc::not_configured: return 3;
    case client::errc::unreachable: return 4;
    case client::errc::bad_token: return 5;
    case client::errc::not_participant: return 6;
    case client::errc::unknown_thread: return 7;
    case client::errc::refused: return 8;
    case client::errc::unavailable: return 9;
    case client::errc::snapshot_unavailable: return 9;
    case client::errc::timeout: return 10;
    case client::errc::protocol: return 11;
    case client::errc::store: return 12;
    case client::errc::file: return 13;
    case client::errc::stopped: return kExitOther;
  }
  return kExitOther;
}

}  // namespace iris::cli
