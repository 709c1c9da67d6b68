#include "net/detail/http_answer.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/json.h"
#include "net/detail/server_core.h"
#include "net/errc.h"
#include "net/prometheus_writer.h"
#include "net/static_files.h"
#include "store/blob/blob_service.h"
#include "wire/codec.h"
#include "wire/json_codec.h"

namespace iris::net::detail {

Answer envelope(Encoding e, unsigned status, const wire::Message& m, bool retry_after) {
  if (e == Encoding::json) return {status, wire::encode_json(m), kJsonType, retry_after};
  return {status, wire::encode(m), kCompactType, retry_after};
}

Answer error_answer(Encoding e, const HttpError& h, std::string text, std::optional<core::ClientMsgId> client_id) {
  return envelope(e, h.status, wire::Message{wire::Error{client_id, h.code, std::move(text)}}, h.retry_after);
}

Answer error_answer(Encoding e, std::error_code ec) { return error_answer(e, http_error(ec), ec.message()); }

Answer text_answer(unsigned status, std::string body, bool retry_after) {
  return {status, std::move(body), "text/plain; charset=utf-8", retry_after};
}

Answer route_answer(Encoding e, const CellRoutingOptions* cell, core::UserId user) {
  if (cell == nullptr || !cell->route_lookup) return error_answer(e, net::errc::no_discovery);
  const auto route = cell->route_lookup(user);
  if (!route) return error_answer(e, net::errc::route_unknown);
  return {200,
          fmt::format("{{\"user\":\"{}\",\"cell\":{},\"server\":{},\"mqtt\":{},\"http\":{},\"ws\":{},\"overridden\":{}}}",
                      user.value(), json_string(route->cell), json_string(route->server), json_string(route->mqtt),
                      json_string(route->http), json_string(route->ws), route->overridden ? "true" : "false"),
          kJsonType};
}

Answer admin_answer(Encoding e, const CellRoutingOptions* cell, core::UserId user) {
  if (cell == nullptr || !cell->admin_report) return error_answer(e, net::errc::no_discovery);
  if (std::find(cell->admin_users.begin(), cell->admin_users.end(), user) == cell->admin_users.end()) {
    return error_answer(e, net::errc::not_admin);
  }
  auto report = cell->admin_report();
  if (!report) return error_answer(e, net::errc::report_pending);
  return {200, std::move(*report), kJsonType};
}

Answer metrics_answer(ServerCore& core, MetricsPage& page) {
  page.connections = core.connections_open.load();
  page.connections_refused = core.connections_refused.load();
  page.preauth_connections = core.preauth_held();
  page.preauth_refused = core.preauth_refused.load();
  page.relayed = core.relayed.load();
  page.redirected = core.redirected.load();
  page.http_requests = core.http_requests.load();
  page.http_errors = core.http_errors.load();
  if (const auto* writer = core.history_writer()) page.history = writer->metrics();
  if (const auto* trimmer = core.trimmer()) page.retention = trimmer->metrics();
  return {200, render(page), PrometheusWriter::kContentType, false};
}

AppConfig app_config(const ServerCore& core) {
  AppConfig c;
  c.ws_port = core.ws_port.load();
  if (core.blobs() != nullptr) c.max_blob_bytes = core.blobs()->options().max_bytes;
  if (core.sync_options() != nullptr) c.edit_window_ms = core.sync_options()->requests.edit_window.count();
  return c;
}

Answer app_answer(const HttpOptions& options, const AppConfig& config, bool accept_gzip,
                  std::string_view target, const std::string& file) {
  // Relative links of the app resolve against /app/, not /.
  if (file.empty() && !target.starts_with("/app/")) {
    Answer a = text_answer(301, "moved to /app/\n");
    a.location = "/app/";
    return a;
  }
  if (file == "config.json") {
    return {200, fmt::format("{{\"ws_port\":{},\"max_blob_bytes\":{},\"edit_window_ms\":{}}}", config.ws_port,
                             config.max_blob_bytes, config.edit_window_ms), kJsonType};
  }
  auto name = app_file_name(file);
  if (!name || options.app_dir.empty()) return text_answer(404, "not found\n");
  if (accept_gzip) {
    if (auto gz = read_app_file(options.app_dir, *name + ".gz", options.max_app_file_bytes)) {
      Answer a{200, std::move(*gz), content_type_of(*name)};
      a.gzipped = true;
      return a;
    }
  }
  auto bytes = read_app_file(options.app_dir, *name, options.max_app_file_bytes);
  if (!bytes) return text_answer(404, "not found\n");
  return {200, std::move(*bytes), content_type_of(*name)};
}

void poll_on_owner(PollHub& hub, core::UserId user, const std::string& device, Encoding enc,
                   const PollRoute& r, std::uint64_t ticket, const Deliver& deliver) {
  hub.poll(
      user, device, enc == Encoding::json, r.epoch, r.seq, r.max_updates, ticket,
      std::chrono::milliseconds(r.timeout_ms),
      [deliver, enc](Result<std::optional<std::string>> a) {
        if (!a) return deliver(error_answer(enc, a.error()));
        if (!*a) return deliver(text_answer(204, {}));
        deliver({200, std::move(**a), enc == Encoding::json ? kJsonType : kCompactType});
      },
      PollHub::Clock::now());
}

}  // namespace iris::net::detail
