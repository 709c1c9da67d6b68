#pragma once
// IrisdProcess: the real irisd for the client's end-to-end and chaos tests (the C++ side of
// tests/e2e/irisd_e2e.py's Irisd): a temporary data dir, port 0 and a ports file, started
// and stopped by PID. It can be killed with SIGKILL and started again on the same data.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace iris::testing {

class IrisdProcess {
 public:
  explicit IrisdProcess(std::vector<std::string> extra_flags = {});
  ~IrisdProcess();
  IrisdProcess(const IrisdProcess&) = delete;
  IrisdProcess& operator=(const IrisdProcess&) = delete;

  // Starts irisd and waits (up to 20 s) for its ports file; aborts the test on failure.
  void start();
  // SIGKILL: no shutdown, whatever was in flight is cut.
  void kill9();
  // SIGTERM and wait; returns irisd's exit status.
  int stop();
  bool running() const { return pid_ > 0; }

  std::uint16_t mqtt_port() const { return port("mqtt"); }
  // 0 when this irisd has no HTTP listener.
  std::uint16_t http_port() const { return port("http"); }
  std::uint16_t port(const std::string& key) const;
  // A device token from `irisd token` on this data dir (or its --auth.secret_file).
  std::string token(std::uint64_t user, const std::string& device) const;
  const std::string& dir() const { return dir_; }
  std::string log_tail() const;
  std::string log_text() const;  // the whole log

 private:
  std::string dir_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
  std::map<std::string, std::string> ports_;
};

// A fresh temporary directory, removed with the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace iris::testing
