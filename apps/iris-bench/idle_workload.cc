#include "apps/iris-bench/idle_workload.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

namespace iris::bench {
namespace {

// One child process's share: connections [begin, end).
class IdleProcess final : public ClientHandler {
 public:
  IdleProcess(const IdleOptions& o, std::size_t begin, std::size_t end)
      : options_(o), begin_(begin), end_(end), deadline_(ctx_), next_(begin) {}

  // Returns an empty string once all connections are ready, else the first error.
  std::string open_all() {
    clients_.reserve(end_ - begin_);
    for (std::size_t i = 0; i < options_.concurrency && next_ < end_; ++i) launch();
    deadline_.expires_after(std::chrono::milliseconds(std::llround(options_.timeout_s * 1000)));
    deadline_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) stop_with("timed out opening connections");
    });
    ctx_.run();
    ctx_.restart();
    return error_;
  }

  // Keeps the connections alive (PINGREQ when the keep-alive asks for it) until killed.
  [[noreturn]] void hold() {
    tick();
    ctx_.run();
    std::_Exit(1);  // only if every connection was lost
  }

  void on_ready(MqttClient&) override {
    if (++ready_ == end_ - begin_) {
      deadline_.cancel();
      ctx_.stop();
    } else if (next_ < end_) {
      launch();
    }
  }
  void on_error(MqttClient&, const std::string& what) override { stop_with(what); }

 private:
  void launch() {
    const std::size_t i = next_++;
    ClientConfig c;
    c.broker = options_.broker;
    c.version = options_.version;
    c.username = options_.username;
    c.password = options_.password;
    if (!options_.sources.empty()) c.source = options_.sources[i % options_.sources.size()];
    c.client_id = "ib-idle-" + std::to_string(::getppid()) + "-" + std::to_string(i);
    c.subscribe_filter = options_.topic_prefix + std::to_string(::getppid()) + "/" + std::to_string(i);
    c.read_buffer = 256;  // idle: CONNACK, SUBACK and PINGRESP only
    clients_.push_back(std::make_unique<MqttClient>(ctx_, std::move(c), *this));
    clients_.back()->start();
  }
  void stop_with(const std::string& what) {
    if (error_.empty()) error_ = what;
    ctx_.stop();
  }
  void tick() {
    deadline_.expires_after(std::chrono::seconds(1));
    deadline_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      for (auto& c : clients_) c->on_second();
      tick();
    });
  }

  const IdleOptions& options_;
  const std::size_t begin_;
  const std::size_t end_;
  asio::io_context ctx_{1};
  asio::steady_timer deadline_;  // the open deadline, then the keep-alive tick
  std::vector<std::unique_ptr<MqttClient>> clients_;  // destroyed before ctx_
  std::size_t next_;  // the next connection index to open
  std::size_t ready_ = 0;
  std::string error_;
};

struct Child {
  pid_t pid = -1;
  int ready_fd = -1;  // the child writes one line: "ok" or the error
};

void stop_children(const std::vector<Child>& children) {
  for (const Child& c : children) {
    if (c.pid > 0) ::kill(c.pid, SIGTERM);
  }
  for (const Child& c : children) {
    if (c.pid > 0) ::waitpid(c.pid, nullptr, 0);
    if (c.ready_fd >= 0) ::close(c.ready_fd);
  }
}

std::string read_line(int fd) {
  std::string line;
  char ch = 0;
  while (::read(fd, &ch, 1) == 1 && ch != '\n') line += ch;
  return line;
}

}  // namespace

int run_idle(const IdleOptions& o) {
  if (o.connections == 0 || o.per_process == 0 || o.concurrency == 0) {
    std::fprintf(stderr, "iris-bench: --connections, --per-process and --concurrency must be positive\n");
    return 1;
  }
  // The parent waits for these with sigtimedwait; children restore the default action.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);

  const std::size_t processes = (o.connections + o.per_process - 1) / o.per_process;
  std::vector<Child> children;
  std::size_t begin = 0;
  for (std::size_t p = 0; p < processes; ++p) {
    const std::size_t end = begin + o.connections / processes + (p < o.connections % processes ? 1 : 0);
    int fds[2];
    if (::pipe(fds) != 0) {
      std::perror("iris-bench: pipe");
      stop_children(children);
      return 1;
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      for (const Child& c : children) ::close(c.ready_fd);
      sigprocmask(SIG_UNBLOCK, &stop_signals, nullptr);
      IdleProcess proc(o, begin, end);
      const std::string error = proc.open_all();
      const std::string line = (error.empty() ? std::string("ok") : error) + "\n";
      if (::write(fds[1], line.data(), line.size()) < 0) std::_Exit(1);
      if (!error.empty()) std::_Exit(1);
      proc.hold();
    }
    ::close(fds[1]);
    if (pid < 0) {
      std::perror("iris-bench: fork");
      ::close(fds[0]);
      stop_children(children);
      return 1;
    }
    children.push_back({pid, fds[0]});
    begin = end;
  }
  for (std::size_t p = 0; p < children.size(); ++p) {
    const std::string line = read_line(children[p].ready_fd);
    if (line != "ok") {
      std::fprintf(stderr, "iris-bench: mqtt-idle process %zu: %s\n", p,
                   line.empty() ? "exited before its connections were ready" : line.c_str());
      stop_children(children);
      return 1;
    }
  }
  std::printf("ready_connections %zu\nprocesses %zu\n", o.connections, children.size());
  std::fflush(stdout);
  if (o.hold_s > 0) {
    timespec t{};
    t.tv_sec = static_cast<time_t>(o.hold_s);
    t.tv_nsec = static_cast<long>((o.hold_s - std::floor(o.hold_s)) * 1e9);
    sigtimedwait(&stop_signals, nullptr, &t);
  } else {
    int sig = 0;
    sigwait(&stop_signals, &sig);
  }
  stop_children(children);
  return 0;
}

}  // namespace iris::bench
