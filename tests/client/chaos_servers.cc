#include "tests/client/chaos_servers.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "cluster/ring.h"
#include "cluster/ring_hash.h"

namespace iris::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr std::uint32_t kTokens = 64;
const char* const kNames[] = {"chaos-1", "chaos-2", "chaos-3"};

std::string run(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    std::array<char, 512> buf;
    while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
    ::pclose(p);
  }
  return out;
}

// "key=value" words or lines.
std::map<std::string, std::string> fields(const std::string& text) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto end = text.find_first_of(" \n", i);
    const std::string word = text.substr(i, end == std::string::npos ? std::string::npos : end - i);
    if (const auto eq = word.find('='); eq != std::string::npos) out[word.substr(0, eq)] = word.substr(eq + 1);
    if (end == std::string::npos) break;
    i = end + 1;
  }
  return out;
}

cluster::Ring ring_of(std::initializer_list<const char*> names) {
  std::vector<cluster::ServerInfo> servers;
  for (const char* n : names) servers.push_back({n, n, cluster::default_tokens(n, kTokens)});
  return cluster::Ring(std::move(servers));
}

// The last membership size a server logged (docs/CLUSTER.md: "membership version V: N servers").
std::size_t members_seen(const IrisdProcess& s) {
  const std::string log = s.log_text();
  const auto at = log.rfind("cluster: membership version");
  if (at == std::string::npos) return 0;
  const auto colon = log.find(": ", at + 20);
  return colon == std::string::npos ? 0 : std::strtoul(log.c_str() + colon + 2, nullptr, 10);
}

}  // namespace

OneIrisd::OneIrisd() { s_.start(); }

void OneIrisd::kill_one_and_restart(std::chrono::milliseconds pause) {
  s_.kill9();
  std::this_thread::sleep_for(pause);
  ASSERT_NO_FATAL_FAILURE(s_.start());
}

std::unique_ptr<CellOfThree> CellOfThree::start() {
  if (!fs::exists("/usr/share/java/zookeeper.jar") || !fs::exists("/usr/sbin/mariadbd")) return nullptr;
  std::unique_ptr<CellOfThree> cell(new CellOfThree());
  std::string tmpl = (fs::temp_directory_path() / "iris-chaos-cell-XXXXXX").string();
  cell->dir_ = ::mkdtemp(tmpl.data());
  const std::string scripts = std::string(IRIS_SOURCE_DIR) + "/scripts/";
  auto zk = fields(run(scripts + "zookeeper up --dir " + cell->dir_ + "/zk"));
  EXPECT_TRUE(zk.contains("port") && zk.contains("pid")) << "scripts/zookeeper up failed";
  if (!zk.contains("port") || !zk.contains("pid")) return cell;
  cell->zk_pid_ = std::stoi(zk["pid"]);
  run(scripts + "mariadb up --dir " + cell->dir_ + "/db >/dev/null 2>&1");
  std::ifstream env_file(cell->dir_ + "/db/state.env");
  std::stringstream env_text;
  env_text << env_file.rdbuf();
  auto db = fields(env_text.str());
  EXPECT_TRUE(db.contains("IRIS_MARIADB_SERVERS")) << "scripts/mariadb up failed";
  if (!db.contains("IRIS_MARIADB_SERVERS")) return cell;

  for (const char* name : kNames) {
    cell->servers_.push_back(std::make_unique<IrisdProcess>(std::vector<std::string>{
        "--cluster.zookeeper", "127.0.0.1:" + zk["port"], "--cluster.cell", "chaos", "--cluster.name", name,
        "--cluster.tokens", std::to_string(kTokens), "--cluster.session_timeout_ms", "2000",
        "--auth.secret_file", cell->dir_ + "/secret", "--store.backend", "mariadb", "--mariadb.servers",
        db["IRIS_MARIADB_SERVERS"], "--mariadb.user", db["IRIS_MARIADB_USER"], "--mariadb.password",
        db["IRIS_MARIADB_PASSWORD"], "--mariadb.database", db["IRIS_MARIADB_DATABASE"]}));
    cell->servers_.back()->start();
    if (::testing::Test::HasFatalFailure()) return cell;
  }
  cell->wait_members(3);

  // Two users whose owner is the same in the cell of three and after any one kill.
  const std::vector<cluster::Ring> rings{ring_of({kNames[0], kNames[1], kNames[2]}), ring_of({kNames[0], kNames[1]}),
                                         ring_of({kNames[0], kNames[2]}), ring_of({kNames[1], kNames[2]})};
  std::map<std::vector<std::string>, std::uint64_t> seen;
  for (std::uint64_t u = 1; u < 100'000; ++u) {
    std::vector<std::string> owners;
    for (const auto& r : rings) owners.emplace_back(r.owner_name(core::UserId{u}));
    if (auto [it, fresh] = seen.emplace(owners, u); !fresh) {
      cell->users_ = {it->second, u};
      break;
    }
  }
  return cell;
}

CellOfThree::~CellOfThree() {
  servers_.clear();  // SIGKILL and their directories
  const std::string scripts = std::string(IRIS_SOURCE_DIR) + "/scripts/";
  run(scripts + "mariadb down --dir " + dir_ + "/db >/dev/null 2>&1");
  if (zk_pid_ > 0) ::kill(zk_pid_, SIGCONT);
  run(scripts + "zookeeper down --dir " + dir_ + "/zk >/dev/null 2>&1");
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

const IrisdProcess& CellOfThree::any() const {
  // The server killed last (running again): the next kills take the other two first.
  return *servers_[(next_kill_ + servers_.size() - 1) % servers_.size()];
}

void CellOfThree::kill_one_and_restart(std::chrono::milliseconds pause) {
  IrisdProcess& s = *servers_[next_kill_++ % servers_.size()];
  s.kill9();
  // The survivors take its users once its session is gone; only then may a process under its
  // name join again (it listens on new ports: a live node with another address is refused).
  ASSERT_NO_FATAL_FAILURE(wait_members(servers_.size() - 1));
  std::this_thread::sleep_for(pause);
  ASSERT_NO_FATAL_FAILURE(s.start());
  ASSERT_NO_FATAL_FAILURE(wait_members(servers_.size()));
}

void CellOfThree::wait_members(std::size_t n) const {
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    bool all = true;
    for (const auto& s : servers_) all = all && (!s->running() || members_seen(*s) == n);
    if (all) return;
    std::this_thread::sleep_for(20ms);
  }
  FAIL() << "the cell's servers did not all see " << n << " members in 15 s";
}

}  // namespace iris::testing
