#include "net/http_route.h"

#include "net/errc.h"

namespace iris::net {
namespace {

// The query parameters a route reads, each at most once.
struct Query {
  std::optional<std::string_view> messages, before, limit, epoch, seq, max_updates, timeout_ms;
};

Result<Query> parse_query(std::string_view query) {
  Query q;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::optional<std::string_view>* slot = key == "messages" ? &q.messages
                                            : key == "before" ? &q.before
                                            : key == "limit"  ? &q.limit
                                            : key == "epoch"  ? &q.epoch
                                            : key == "seq"    ? &q.seq
                                            : key == "max_updates" ? &q.max_updates
                                            : key == "timeout_ms"  ? &q.timeout_ms
                                                              : nullptr;
    if (slot == nullptr) continue;  // unknown: ignored
    if (value.empty() || slot->has_value()) return fail(errc::bad_query);
    *slot = value;
  }
  return q;
}

// A count in [min, max]; `fallback` when absent.
Result<std::size_t> count(std::optional<std::string_view> text, std::size_t fallback,
                          std::size_t min, std::size_t max) {
  if (!text) return fallback;
  const auto n = core::parse_id(*text);
  if (!n || *n < min || *n > max) return fail(errc::bad_query);
  return static_cast<std::size_t>(*n);
}

}  // namespace

bool needs_token(const Route& route) {
  return !std::holds_alternative<HealthRoute>(route) && !std::holds_alternative<MetricsRoute>(route) &&
         !std::holds_alternative<AppRoute>(route);
}

bool is_blob_upload(std::string_view method, std::string_view target) {
  return method == "POST" && target.substr(0, target.find('?')) == "/v1/blobs";
}

Result<Route> parse_route(std::string_view method, std::string_view target, const RouteLimits& limits) {
  const auto qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const std::string_view query = qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1);
  const bool get = method == "GET";
  const bool post = method == "POST";

  if (path == "/healthz" || path == "/metrics") {
    if (!get) return fail(errc::method_not_allowed);
    if (path == "/healthz") return Route{HealthRoute{}};
    return Route{MetricsRoute{}};
  }
  if (path == "/v1/snapshot") {
    if (!get) return fail(errc::method_not_allowed);
    auto q = parse_query(query);
    if (!q) return fail(q.error());
    auto n = count(q->messages, limits.snapshot_messages, 0, limits.max_snapshot_messages);
    if (!n) return fail(n.error());
    return Route{SnapshotRoute{*n}};
  }
  if (path == "/app" || path.starts_with("/app/")) {
    if (!get) return fail(errc::method_not_allowed);
    return Route{AppRoute{std::string(path.size() > 5 ? path.substr(5) : std::string_view())}};
  }
  if (path == "/v1/requests") {
    if (!post) return fail(errc::method_not_allowed);
    return Route{RequestRoute{}};
  }
  if (path == "/v1/poll") {
    if (!get) return fail(errc::method_not_allowed);
    auto q = parse_query(query);
    if (!q) return fail(q.error());
    // epoch and seq are what the client holds: both required (0 and 0 when it holds nothing).
    if (!q->epoch || !q->seq) return fail(errc::bad_query);
    const auto epoch = core::parse_id(*q->epoch);
    const auto seq = core::parse_id(*q->seq);
    if (!epoch || !seq) return fail(errc::bad_query);
    auto max_updates = count(q->max_updates, 0, 0, 0x7fff'ffff);
    if (!max_updates) return fail(max_updates.error());
    auto timeout = count(q->timeout_ms, limits.poll_timeout_ms, 0, limits.max_poll_timeout_ms);
    if (!timeout) return fail(timeout.error());
    return Route{PollRoute{core::Epoch{*epoch}, core::Seq{*seq}, static_cast<std::uint32_t>(*max_updates),
                           static_cast<std::uint64_t>(*timeout)}};
  }
  if (path == "/v1/badge") {
    if (!get) return fail(errc::method_not_allowed);
    return Route{BadgeRoute{}};
  }
  if (path == "/v1/route") {
    if (!get) return fail(errc::method_not_allowed);
    return Route{UserRouteRoute{}};
  }
  if (path == "/v1/admin/cells") {
    if (!get) return fail(errc::method_not_allowed);
    return Route{AdminCellsRoute{}};
  }
  if (path == "/v1/contacts") {
    if (!get) return fail(errc::method_not_allowed);
    return Route{ContactsRoute{}};
  }
  if (path == "/v1/threads") {
    if (!post) return fail(errc::method_not_allowed);
    return Route{CreateThreadRoute{}};
  }
  if (path == "/v1/sms/numbers" || path == "/v1/sms/numbers/verify") {
    if (!post) return fail(errc::method_not_allowed);
    return Route{SmsNumberRoute{path.ends_with("/verify")}};
  }
  if (path == "/v1/blobs") {
    if (!post) return fail(errc::method_not_allowed);
    return Route{BlobUploadRoute{}};
  }
  constexpr std::string_view kBlobs = "/v1/blobs/";
  if (path.starts_with(kBlobs)) {
    const auto blob = core::BlobId::from_hex(path.substr(kBlobs.size()));
    if (!blob) return fail(errc::no_route);
    if (!get) return fail(errc::method_not_allowed);
    return Route{BlobDownloadRoute{*blob}};
  }
  constexpr std::string_view kBaselineThreads = "/v1/baseline/threads/";
  if (path == "/v1/baseline/inbox" || path.starts_with(kBaselineThreads)) {
    BaselineRoute r;
    if (path != "/v1/baseline/inbox") {
      const std::string_view id = path.substr(kBaselineThreads.size());
      if (id.empty() || id.find('/') != std::string_view::npos) return fail(errc::no_route);
      const auto thread = core::parse_id(id);
      if (!thread) return fail(errc::bad_query);
      r.thread = core::ThreadId{*thread};
    }
    if (!get) return fail(errc::method_not_allowed);
    return Route{r};
  }
  constexpr std::string_view kThreads = "/v1/threads/";
  constexpr std::string_view kMessages = "/messages";
  if (path.starts_with(kThreads) && path.ends_with(kMessages) &&
      path.size() > kThreads.size() + kMessages.size()) {
    const std::string_view id =
        path.substr(kThreads.size(), path.size() - kThreads.size() - kMessages.size());
    if (id.find('/') != std::string_view::npos) return fail(errc::no_route);
    if (!get) return fail(errc::method_not_allowed);
    const auto thread = core::parse_id(id);
    if (!thread) return fail(errc::bad_query);
    auto q = parse_query(query);
    if (!q) return fail(q.error());
    ThreadMessagesRoute r{core::ThreadId{*thread}, std::nullopt, 0};
    if (q->before) {
      const auto before = core::parse_id(*q->before);
      if (!before) return fail(errc::bad_query);
      r.before = core::MessageId{*before};
    }
    auto n = count(q->limit, limits.page_messages, 1, limits.max_page_messages);
    if (!n) return fail(n.error());
    r.limit = *n;
    return Route{r};
  }
  return fail(errc::no_route);
}

}  // namespace iris::net
