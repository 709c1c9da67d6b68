#include "apps/iris/config.h"

#include <sys/stat.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "client/errc.h"

namespace iris::cli {

std::string config_dir(const std::string& override_dir) {
  if (!override_dir.empty()) return override_dir;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::string(x) + "/iris";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.config/iris";
  return ".iris";
}

Result<void> save_login(const std::string& dir, const Login& l) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(client::errc::store);
  const std::string path = dir + "/login";
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) return fail(client::errc::store);
    ::chmod(tmp.c_str(), 0600);
    f << "server = " << l.server << "\nhttp = " << l.http << "\nuser = " << l.user
      << "\ntoken = " << l.token << "\ndevice = " << l.device << "\nca = " << l.ca_file
      << "\ninsecure = " << (l.insecure ? "true" : "false") << "\n";
    if (!f.flush()) return fail(client::errc::store);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return fail(client::errc::store);
  return {};
}

Result<Login> load_login(const std::string& dir) {
  std::ifstream f(dir + "/login");
  if (!f) return fail(client::errc::not_configured);
  Login l;
  std::string line;
  while (std::getline(f, line)) {
    auto eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 3);
    if (key == "server") l.server = value;
    else if (key == "http") l.http = value;
    else if (key == "user") l.user = value;
    else if (key == "token") l.token = value;
    else if (key == "device") l.device = value;
    else if (key == "ca") l.ca_file = value;
    else if (key == "insecure") l.insecure = value == "true";
  }
  if (l.server.empty() || l.user.empty() || l.token.empty() || l.device.empty())
    return fail(client::errc::not_configured);
  return l;
}

Result<Endpoint> parse_endpoint(const std::string& url) {
  Endpoint e;
  std::string_view rest = url;
  auto scheme_end = rest.find("://");
  if (scheme_end == std::string_view::npos) return fail(std::make_error_code(std::errc::invalid_argument));
  const std::string_view scheme = rest.substr(0, scheme_end);
  rest.remove_prefix(scheme_end + 3);
  if (scheme == "mqtt") e.port = 1883;
  else if (scheme == "mqtts") e = {"", 8883, true};
  else if (scheme == "http") e.port = 80;
  else if (scheme == "https") e = {"", 443, true};
  else return fail(std::make_error_code(std::errc::invalid_argument));
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find(']') == std::string_view::npos) {
    std::uint32_t port = 0;
    auto p = rest.substr(colon + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc{} || end != p.data() + p.size() || port == 0 || port > 65535)
      return fail(std::make_error_code(std::errc::invalid_argument));
    e.port = static_cast<std::uint16_t>(port);
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return fail(std::make_error_code(std::errc::invalid_argument));
  e.host = std::string(rest);
  return e;
}

Result<client::ClientOptions> client_options(const std::string& dir, const Login& l) {
  auto mqtt = parse_endpoint(l.server);
  if (!mqtt) return fail(client::errc::not_configured);
  client::ClientOptions o;
  o.host = mqtt->host;
  o.port = mqtt->port;
  o.tls = mqtt->tls;
  o.tls_verify = !l.insecure;
  o.ca_file = l.ca_file;
  if (!l.http.empty()) {
    auto h = parse_endpoint(l.http);
    if (!h) return fail(client::errc::not_configured);
    o.http = client::HttpEndpoint{h->host, h->port, h->tls, !l.insecure, l.ca_file};
    o.route_lookup = true;  // in a cell, straight to the owner; elsewhere the lookup just fails
  }
  std::uint64_t user = 0;
  std::from_chars(l.user.data(), l.user.data() + l.user.size(), user);
  o.user = core::UserId{user};
  o.device = l.device;
  o.token = l.token;
  o.store_path = dir + "/store.db";
  // A person at a terminal wants a quick verdict: short first retries.
  o.backoff_initial = std::chrono::milliseconds(100);
  o.backoff_max = std::chrono::milliseconds(2000);
  return o;
}

}  // namespace iris::cli
