#pragma once
// The CLI's stored login: `<config dir>/login` (key = value lines, mode 0600 since it holds
// the token) and the device's local store `<config dir>/store.db`.

#include <string>

#include "base/result.h"
#include "client/client.h"

namespace iris::cli {

struct Login {
  std::string server;  // mqtt://HOST:PORT or mqtts://HOST:PORT
  std::string http;    // optional http(s)://HOST:PORT
  std::string user;
  std::string token;
  std::string device;
  std::string ca_file;
  bool insecure = false;
};

// $XDG_CONFIG_HOME/iris, else $HOME/.config/iris; `override_dir` wins when set.
std::string config_dir(const std::string& override_dir);
Result<void> save_login(const std::string& dir, const Login& login);
// client::errc::not_configured when there is none.
Result<Login> load_login(const std::string& dir);

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  bool tls = false;
};
// "mqtt://h:p", "mqtts://h:p", "http://h:p", "https://h:p"; the port defaults to the
// scheme's (1883, 8883, 80, 443). errc::invalid_argument otherwise.
Result<Endpoint> parse_endpoint(const std::string& url);

// Client options for this login, with the store in `dir`.
Result<client::ClientOptions> client_options(const std::string& dir, const Login& login);

}  // namespace iris::cli
