#pragma once
// HttpOwnerForwarding: the part of the HTTP API session (net/http_session.cc) that sends a
// request of a user another server of the cell owns to that owner (docs/CLUSTER.md "HTTP
// requests"), as a base the session derives from: 307 with the owner's URL when configured
// (plain HTTP only), else proxied (net/detail/http_owner_proxy.h), bounded by
// cluster.http_proxy_* (HttpToOwnerOptions). Runs on the session's shard.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "base/log.h"
#include "core/ids.h"
#include "net/cell_routing.h"
#include "net/detail/http_answer.h"
#include "net/detail/http_owner_proxy.h"
#include "net/detail/server_core.h"
#include "net/errc.h"
#include "net/http_request_reader.h"

namespace iris::net::detail {

template <class Session>
class HttpOwnerForwarding {
 protected:
  // Whether `who` is served by another server (or by none now): then the request is answered
  // or on its way to the owner, and the session does nothing more with it. `extra_wait` is a
  // long poll's own wait, on top of the proxy's timeout.
  bool forwarded_elsewhere(core::UserId who, const HttpRequest& req, std::chrono::milliseconds extra_wait) {
    const CellRoutingOptions* cell = self().core().cell_routing();
    if (cell == nullptr) return false;
    const Placement where = cell->routing(std::to_string(who.value()));
    if (where.kind == Placement::Kind::local) return false;
    // A request another server already forwarded is never forwarded again: the two rings
    // disagree for a moment (one server joined or left); the caller retries.
    const bool proxied = req.find(kProxiedHeader) != req.end();
    if (where.kind == Placement::Kind::unavailable || where.http.empty() || proxied) {
      self().respond(error_answer(self().encoding_, errc::owner_unavailable));
      return true;
    }
    if (cell->http.redirect && !Session::kTls) {
      ++self().core().http_redirected;
      Answer a = text_answer(307, "the server owning this user: " + where.server + "\n");
      a.location = owner_url(where.http, std::string_view(req.target()));
      self().respond(std::move(a));
      return true;
    }
    // One slot per request in flight, released when the proxy drops its callback (answered,
    // or the caller went away).
    auto& in_flight = self().core().http_proxied_in_flight;
    if (in_flight.fetch_add(1) >= cell->http.max_concurrent) {
      --in_flight;
      self().respond(error_answer(self().encoding_, errc::owner_unavailable));
      return true;
    }
    ++self().core().http_proxied;
    auto slot = std::shared_ptr<void>(nullptr, [&in_flight](void*) { --in_flight; });
    proxy_ = std::make_shared<HttpOwnerProxy>(self().shard_.io(), cell->http.max_answer_bytes);
    std::weak_ptr<Session> weak = self().shared_from_this();
    proxy_->start(where.http, forwarded_request(req, where.http, where.server), cell->http.timeout + extra_wait,
                  [weak, slot, owner = where.server](Result<Answer> a) {
                    auto s = weak.lock();
                    if (!s) return;
                    s->proxy_.reset();
                    if (!a && s->shard_.may_log()) {
                      IRIS_LOG(warn, "net", "http request proxied to {} failed: {}", owner, a.error().message());
                    }
                    s->respond(a ? std::move(*a) : error_answer(s->encoding_, a.error()));
                  });
    return true;
  }

  // The caller is gone: the request to the owner is dropped.
  void cancel_forward() {
    if (auto p = std::exchange(proxy_, nullptr)) p->cancel();
  }

 private:
  Session& self() { return static_cast<Session&>(*this); }
  std::shared_ptr<HttpOwnerProxy> proxy_;
};

}  // namespace iris::net::detail
