// scripts/bench mariadb: failover of the replicated MariaDB pair (issue 17).
//
// Starts a pair with scripts/mariadb and iris-dbmon (its default timing: 100 ms rounds,
// failover after 1000 ms unreachable) as a separate process, runs a steady load of
// acknowledged single-row writes (AckingWriter), then --kills times: kill -9 of the primary,
// the killed server restarted read-only (--init-rpl-role=SLAVE) for the monitor to attach as
// the new replica, and the time from the kill to the first write acknowledged after it.
// Until a replica is attached the new primary acknowledges nothing (semi-sync), so the
// figure includes the old primary's restart.
// Prints BENCH mariadb.failover_s (median over the kills) and BENCH mariadb.acked_lost
// (acknowledged seqs missing from either server at the end, summed over the kills: the
// count is cumulative, as every kill's acknowledged rows stay in the same table).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "dbpair/admin_connection.h"
#include "dbpair/testing/acking_writer.h"

using namespace iris::dbpair;
using namespace std::chrono_literals;

namespace {

std::string g_source = IRIS_SOURCE_DIR;
std::string g_dir;

std::string script(const std::string& args) {
  const std::string cmd = g_source + "/scripts/mariadb " + args + " --dir " + g_dir;
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  if (p == nullptr || ::pclose(p) != 0) {
    std::fprintf(stderr, "failover_bench: %s failed: %s\n", cmd.c_str(), out.c_str());
    std::exit(1);
  }
  return out;
}

template <typename F>
bool eventually(F done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

}  // namespace

int main(int argc, char** argv) {
  int kills = 5;
  std::string dbmon;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (key == "--kills") kills = std::max(1, std::atoi(argv[i + 1]));
    else if (key == "--dbmon") dbmon = argv[i + 1];
    else if (key == "--source") g_source = argv[i + 1];
  }
  if (dbmon.empty()) {
    std::fprintf(stderr, "usage: failover_bench --dbmon PATH/iris-dbmon [--kills 5] [--source REPO]\n");
    return 2;
  }
  char tmpl[] = "/tmp/iris-failover-bench.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return 1;
  g_dir = tmpl;
  script("up");
  std::map<std::string, std::string> env;
  std::ifstream in(g_dir + "/state.env");
  for (std::string line; std::getline(in, line);) {
    if (auto eq = line.find('='); eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  auto servers = parse_servers(env["IRIS_MARIADB_SERVERS"]).value();
  AdminOptions app;
  app.user = "iris";
  app.password = "iris";
  // A write sent to the new primary before its replica is attached waits for it; give it
  // the time instead of timing out and retrying (like irisd's own commit timeout).
  app.read_timeout = 10s;
  {
    auto c = AdminConnection::connect(servers[0], app).value();
    if (!c.query("CREATE TABLE iris.failover_bench (seq BIGINT UNSIGNED PRIMARY KEY)")) return 1;
  }
  const pid_t monitor = ::fork();
  if (monitor == 0) {
    const std::string list = env["IRIS_MARIADB_SERVERS"];
    ::execl(dbmon.c_str(), dbmon.c_str(), "--servers", list.c_str(), "--log_level", "warn",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::this_thread::sleep_for(500ms);  // the monitor's first clean round
  testing::AckingWriter writer(servers, app, "iris.failover_bench");
  writer.start();
  std::vector<double> seconds;
  for (int k = 0; k < kills; ++k) {
    const auto before = writer.acked();
    if (!eventually([&] { return writer.acked() >= before + 50; }, 20s)) {
      std::fprintf(stderr, "failover_bench: no progress before kill %d\n", k);
      break;
    }
    const std::string killed = script("kill primary").substr(7, 3);
    writer.mark();
    // The monitor promotes the other server; then the killed one comes back read-only.
    const std::size_t other = killed == "db1" ? 1 : 0;
    if (!eventually([&] {
          auto c = AdminConnection::connect(servers[other], AdminOptions{});
          if (!c) return false;
          auto ro = c->query("SELECT @@GLOBAL.read_only AS ro");
          return ro && ro->size() == 1 && ro->front().at("ro") == "0";
        }, 20s)) {
      std::fprintf(stderr, "failover_bench: no promotion after kill %d\n", k);
      break;
    }
    script("rejoin " + killed + " --start-only");
    if (!eventually([&] { return writer.since_mark().has_value(); }, 20s)) {
      std::fprintf(stderr, "failover_bench: no acknowledged write after kill %d\n", k);
      break;
    }
    seconds.push_back(writer.since_mark()->count() / 1000.0);
    std::fprintf(stderr, "kill %d: %s, first acknowledged write after %.3f s\n", k + 1,
                 killed.c_str(), seconds.back());
  }
  writer.stop();
  std::uint64_t lost = 0;
  eventually([&] {
    std::uint64_t n[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
      auto c = AdminConnection::connect(servers[i], AdminOptions{});
      if (!c) return false;
      auto r = c->query("SELECT COUNT(*) AS n FROM iris.failover_bench WHERE seq <= " +
                        std::to_string(writer.acked()));
      if (!r) return false;
      n[i] = std::stoull(r->front().at("n"));
    }
    lost = writer.acked() - std::min({writer.acked(), n[0], n[1]});
    return lost == 0;
  }, 10s);
  ::kill(monitor, SIGTERM);
  ::waitpid(monitor, nullptr, 0);
  script("down");
  std::filesystem::remove_all(g_dir);
  if (seconds.size() != static_cast<std::size_t>(kills)) return 1;
  std::sort(seconds.begin(), seconds.end());
  std::printf("BENCH mariadb.failover_s %.2f\n", seconds[seconds.size() / 2]);
  std::printf("BENCH mariadb.acked_lost %llu\n", static_cast<unsigned long long>(lost));
  std::fprintf(stderr, "acknowledged writes: %llu over %d kills\n",
               static_cast<unsigned long long>(writer.acked()), kills);
  return 0;
}
