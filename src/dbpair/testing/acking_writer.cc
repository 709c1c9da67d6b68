#include "dbpair/testing/acking_writer.h"

namespace iris::dbpair::testing {

void AckingWriter::start() {
  thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
}

void AckingWriter::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

void AckingWriter::mark() {
  first_after_mark_.store(0);
  mark_.store(Clock::now().time_since_epoch().count());
}

std::optional<std::chrono::milliseconds> AckingWriter::since_mark() const {
  const auto f = first_after_mark_.load();
  if (f == 0) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::duration(f - mark_.load()));
}

std::optional<AdminConnection> AckingWriter::writable() {
  for (const auto& s : servers_) {
    auto c = AdminConnection::connect(s, app_);
    if (!c) continue;
    auto ro = c->query("SELECT @@GLOBAL.read_only AS ro");
    if (ro && ro->size() == 1 && ro->front().at("ro") == "0") return std::move(*c);
  }
  return std::nullopt;
}

void AckingWriter::loop(std::stop_token stop) {
  using namespace std::chrono_literals;
  std::uint64_t seq = acked_.load() + 1;
  std::optional<AdminConnection> c;
  while (!stop.stop_requested()) {
    if (!c) c = writable();
    if (!c) {
      std::this_thread::sleep_for(10ms);
      continue;
    }
    auto r = c->query("INSERT INTO " + table_ + " (seq) VALUES (" + std::to_string(seq) + ")");
    if (r || c->last_errno() == 1062 /* ER_DUP_ENTRY: committed before the outcome was lost */) {
      acked_.store(seq++);
      // Only a new write answered OK marks the end of a failover: a duplicate key only says
      // an older write survived it.
      const auto now = Clock::now().time_since_epoch().count();
      if (r && first_after_mark_.load() == 0 && now > mark_.load()) first_after_mark_.store(now);
      continue;
    }
    c.reset();  // lost, read-only or timed out: the outcome is unknown, retry the same seq
    std::this_thread::sleep_for(5ms);
  }
}

}  // namespace iris::dbpair::testing
