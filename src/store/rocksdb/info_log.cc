#include "store/rocksdb/info_log.h"

#include <cstdarg>
#include <cstdio>
#include <string_view>

#include "base/log.h"

namespace iris::store::detail {
namespace {

class InfoLog final : public rocksdb::Logger {
 public:
  InfoLog() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override { write(log::Level::info, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    write(level <= rocksdb::InfoLogLevel::INFO_LEVEL   ? log::Level::info
          : level == rocksdb::InfoLogLevel::WARN_LEVEL ? log::Level::warn
                                                       : log::Level::error,
          format, ap);
  }

 private:
  static void write(log::Level level, const char* format, va_list ap) {
    if (level < log::level()) return;
    char line[1024];  // longer lines are cut: this is a diagnostic, not a record
    const int n = std::vsnprintf(line, sizeof line, format, ap);
    if (n < 0) return;
    std::string_view text(line, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof line - 1));
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    log::write(level, "rocksdb", text);
  }
};

}  // namespace

std::shared_ptr<rocksdb::Logger> make_rocksdb_info_log() { return std::make_shared<InfoLog>(); }

}  // namespace iris::store::detail
