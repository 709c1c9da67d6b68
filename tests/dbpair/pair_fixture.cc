#include "tests/dbpair/pair_fixture.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace iris::dbpair::testing {

bool mariadb_installed() { return std::filesystem::exists("/usr/sbin/mariadbd"); }

std::optional<std::string> PairFixture::script(const std::string& args) {
  const std::string cmd = std::string(IRIS_SOURCE_DIR) + "/scripts/mariadb " + args + " --dir " + dir_;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return std::nullopt;
  std::string out;
  std::array<char, 512> buf;
  while (std::fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
  const int rc = ::pclose(p);
  if (rc != 0) {
    ADD_FAILURE() << cmd << " failed (" << rc << "): " << out;
    return std::nullopt;
  }
  return out;
}

bool PairFixture::up() {
  char tmpl[] = "/tmp/iris-dbpair-test.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return false;
  dir_ = tmpl;
  if (!script("up")) return false;
  std::ifstream env(dir_ + "/state.env");
  std::map<std::string, std::string> vars;
  for (std::string line; std::getline(env, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) vars[line.substr(0, eq)] = line.substr(eq + 1);
  }
  auto servers = parse_servers(vars["IRIS_MARIADB_SERVERS"]);
  if (!servers || servers->size() != 2) return false;
  servers_ = std::move(*servers);
  return true;
}

void PairFixture::down() {
  if (dir_.empty()) return;
  script("down");
  std::filesystem::remove_all(dir_);
  dir_.clear();
}

int PairFixture::pid(const std::string& name) const {
  std::ifstream env(dir_ + "/state.env");
  const std::string key = "IRIS_" + std::string(name == "db1" ? "DB1" : "DB2") + "_PID=";
  for (std::string line; std::getline(env, line);) {
    if (line.rfind(key, 0) == 0 && line.size() > key.size()) return std::stoi(line.substr(key.size()));
  }
  return 0;
}

AdminOptions PairFixture::admin() const { return AdminOptions{}; }

AdminOptions PairFixture::app() const {
  AdminOptions o;
  o.user = "iris";
  o.password = "iris";
  return o;
}

}  // namespace iris::dbpair::testing
