#include "store/tests/mariadb_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "store/mariadb/connection.h"

extern char** environ;

namespace iris::store::testing {
namespace {

constexpr const char* kInstallDb = "/usr/bin/mariadb-install-db";
constexpr const char* kServer = "/usr/sbin/mariadbd";

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

// Starts `args` with stdout and stderr appended to `log`. The child gets SIGKILL when the
// test process dies (PR_SET_PDEATHSIG), so a crashed or killed test binary leaves no server
// running; a normal exit stops it by PID first (MariaDbServer::stop).
pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::execve(argv[0], argv.data(), environ);
    ::_exit(127);
  }
  ::close(fd);
  return pid;
}

MariaDbOptions root_options(int port) {
  MariaDbOptions o;
  o.servers = {"127.0.0.1:" + std::to_string(port)};
  o.user = "root";
  o.password = "";
  o.connect_timeout = std::chrono::seconds(2);
  return o;
}

}  // namespace

bool MariaDbServer::binaries_present() {
  return ::access(kInstallDb, X_OK) == 0 && ::access(kServer, X_OK) == 0;
}

std::unique_ptr<MariaDbServer> MariaDbServer::start(std::string& why) {
  if (!binaries_present()) {
    why = "mariadb-server-core is not installed";
    return nullptr;
  }
  std::unique_ptr<MariaDbServer> s(new MariaDbServer());
  if (!s->launch(why)) return nullptr;
  return s;
}

MariaDbServer* MariaDbServer::shared() {
  static std::string why;
  static std::unique_ptr<MariaDbServer> server = [] {
    auto s = start(why);
    if (!s) std::fprintf(stderr, "MariaDbServer: %s\n", why.c_str());
    return s;
  }();
  return server.get();
}

bool MariaDbServer::launch(std::string& why) {
  char tmpl[] = "/tmp/iris-mariadb-XXXXXX";
  if (!::mkdtemp(tmpl)) {
    why = "mkdtemp failed";
    return false;
  }
  dir_ = tmpl;
  const std::string data = (dir_ / "data").string(), log = (dir_ / "server.log").string();
  // The server's own temporary directory, not the shared /tmp (see scripts/mariadb).
  std::filesystem::create_directory(dir_ / "tmp");
  const pid_t install = spawn({kInstallDb, "--no-defaults", "--user=root", "--datadir=" + data,
                               "--tmpdir=" + (dir_ / "tmp").string(),
                               "--auth-root-authentication-method=normal", "--skip-test-db"},
                              log);
  int status = 0;
  if (install < 0 || ::waitpid(install, &status, 0) != install || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    why = "mariadb-install-db failed; see " + log;
    return false;
  }
  port_ = 0;
  if (!run_server(why)) return false;
  if (!admin("CREATE USER 'iris'@'127.0.0.1' IDENTIFIED BY 'iris-test'") ||
      !admin("GRANT ALL PRIVILEGES ON `iris\\_%`.* TO 'iris'@'127.0.0.1'")) {
    why = "could not create the iris account";
    return false;
  }
  return true;
}

// Starts mariadbd on port_ (a free one if 0; another if it is taken meanwhile) and waits,
// bounded, until root can connect.
bool MariaDbServer::run_server(std::string& why) {
  const std::string data = (dir_ / "data").string(), log = (dir_ / "server.log").string();
  const int fixed_port = port_;
  int status = 0;
  for (int attempt = 0; attempt < 3 && pid_ < 0; ++attempt) {
    if (fixed_port == 0) port_ = free_port();
    pid_ = spawn({kServer, "--no-defaults", "--user=root", "--datadir=" + data,
                  "--tmpdir=" + (dir_ / "tmp").string(), "--port=" + std::to_string(port_), "--bind-address=127.0.0.1",
                  "--socket=" + (dir_ / "sock").string(), "--pid-file=" + (dir_ / "pid").string(),
                  "--skip-name-resolve", "--innodb-buffer-pool-size=64M",
                  "--innodb-log-file-size=64M", "--max-connections=500",
                  "--log-error=" + (dir_ / "error.log").string()},
                 log);
    if (pid_ < 0) break;
    // Ready when root can connect; bounded: 30 s.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool ready = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;  // exited (the port was taken meanwhile?): try another port
        break;
      }
      auto c = mariadb::Connection::open(*mariadb::parse_server(address()), root_options(port_), false);
      if (c) {
        ready = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!ready && pid_ > 0) {
      stop();
      why = "mariadbd did not become ready; see " + (dir_ / "error.log").string();
      return false;
    }
    if (!ready && fixed_port != 0) break;
  }
  if (pid_ < 0) {
    why = "mariadbd did not start; see " + (dir_ / "error.log").string();
    return false;
  }
  return true;
}

void MariaDbServer::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

bool MariaDbServer::restart(std::string& why) {
  if (pid_ > 0) return true;
  return run_server(why);
}

MariaDbServer::~MariaDbServer() {
  stop();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

void MariaDbServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
}

MariaDbOptions MariaDbServer::options(const std::string& database) const {
  MariaDbOptions o;
  o.servers = {address()};
  o.user = "iris";
  o.password = "iris-test";
  o.database = database;
  return o;
}

std::string MariaDbServer::fresh_database() {
  const std::string name = "iris_test_" + std::to_string(++databases_);
  admin("DROP DATABASE IF EXISTS " + name);
  admin("CREATE DATABASE " + name);
  return name;
}

bool MariaDbServer::wait_for_no_sessions(const std::string& database, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto c = mariadb::Connection::open(*mariadb::parse_server(address()), root_options(port_), false);
    if (c) {
      auto rows = c->query_one("SELECT COUNT(*) FROM information_schema.processlist WHERE db = '" +
                               database + "'");
      if (rows && rows->size() == 1 && rows->u64(0, 0).value_or(1) == 0) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

bool MariaDbServer::admin(const std::string& sql) {
  auto c = mariadb::Connection::open(*mariadb::parse_server(address()), root_options(port_), false);
  return c && c->execute(sql).has_value();
}

}  // namespace iris::store::testing
