#include "tests/client/irisd_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace iris::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "iris-client-XXXXXX").string();
  path_ = mkdtemp(tmpl.data());
}
TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

IrisdProcess::IrisdProcess(std::vector<std::string> extra_flags) : extra_(std::move(extra_flags)) {
  std::string tmpl = (fs::temp_directory_path() / "irisd-client-e2e-XXXXXX").string();
  dir_ = mkdtemp(tmpl.data());
}

IrisdProcess::~IrisdProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

namespace {
// Whether this irisd has an HTTP listener (the HTTP API lands separately): its port must
// then be 0 too, or parallel tests would all bind the default port.
const std::string& irisd_help() {
  static const std::string help = [] {
    std::string out;
    if (FILE* p = ::popen((std::string(IRISD_PATH) + " --help 2>&1").c_str(), "r")) {
      std::array<char, 512> buf;
      while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
      ::pclose(p);
    }
    return out;
  }();
  return help;
}
bool irisd_has_http() { return irisd_help().find("--http.port") != std::string::npos; }
bool irisd_has_http_tls() { return irisd_help().find("--http.tls_port") != std::string::npos; }
}  // namespace

void IrisdProcess::start() {
  ASSERT_LE(pid_, 0) << "irisd already running";
  const std::string ports_file = dir_ + "/ports";
  fs::remove(ports_file);
  std::vector<std::string> args{IRISD_PATH,         "--data_dir",      dir_ + "/data",
                                "--net.bind",       "127.0.0.1",       "--mqtt.port",
                                "0",                "--mqtt.ws_port",  "off",
                                "--mqtt.tls_port",  "off",             "--ports_file",
                                ports_file,         "--store.sync",    "false"};
  if (irisd_has_http()) {
    args.insert(args.end(), {"--http.port", "0"});
    if (irisd_has_http_tls()) args.insert(args.end(), {"--http.tls_port", "off"});
  }
  args.insert(args.end(), extra_.begin(), extra_.end());
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int log = ::open((dir_ + "/irisd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL() << "irisd exited at start:\n" << log_tail();
    }
    std::ifstream f(ports_file);
    std::string line;
    std::map<std::string, std::string> ports;
    bool complete = false;
    while (std::getline(f, line)) {
      auto eq = line.find('=');
      if (eq != std::string::npos) ports[line.substr(0, eq)] = line.substr(eq + 1);
      if (line.rfind("pid=", 0) == 0) complete = true;
    }
    if (complete && ports.contains("mqtt")) {
      ports_ = std::move(ports);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL() << "irisd wrote no ports file in 20 s:\n" << log_tail();
}

void IrisdProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int IrisdProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::uint16_t IrisdProcess::port(const std::string& key) const {
  auto it = ports_.find(key);
  if (it == ports_.end()) return 0;
  return static_cast<std::uint16_t>(std::stoi(it->second));
}

std::string IrisdProcess::token(std::uint64_t user, const std::string& device) const {
  std::string cmd = std::string(IRISD_PATH) + " token --data_dir " + dir_ + "/data --user " +
                    std::to_string(user) + " --device " + device + " --ttl 1h";
  // A cell's servers share one secret file.
  for (std::size_t i = 0; i + 1 < extra_.size(); ++i) {
    if (extra_[i] == "--auth.secret_file") cmd += " --auth.secret_file " + extra_[i + 1];
  }
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    std::array<char, 512> buf;
    while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
    ::pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string IrisdProcess::log_text() const {
  std::ifstream f(dir_ + "/irisd.log");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string IrisdProcess::log_tail() const {
  std::string s = log_text();
  return s.size() > 4000 ? s.substr(s.size() - 4000) : s;
}

}  // namespace iris::testing
