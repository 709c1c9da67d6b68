#include "net/detail/http_owner_jobs.h"

#include <algorithm>

#include "net/http_status.h"

namespace iris::net::detail {

tl::expected<OwnerJob, Answer> owner_job(const Route& route, core::UserId who, Encoding enc,
                                         Result<wire::Message>& body) {
  if (const auto* r = std::get_if<SnapshotRoute>(&route)) {
    return OwnerJob([who, enc, n = r->messages](sync::SyncShard& s, const Deliver& deliver) {
      auto snap = s.snapshot(who, n);
      deliver(snap ? envelope(enc, 200, wire::Message{std::move(*snap)}) : error_answer(enc, snap.error()));
    });
  }
  if (const auto* r = std::get_if<ThreadMessagesRoute>(&route)) {
    return OwnerJob([who, enc, r = *r](sync::SyncShard& s, const Deliver& deliver) {
      auto page = s.thread_page(who, r.thread, r.before, r.limit);
      deliver(page ? envelope(enc, 200, wire::Message{std::move(*page)}) : error_answer(enc, page.error()));
    });
  }
  if (std::holds_alternative<BadgeRoute>(route)) {
    return OwnerJob([who, enc](sync::SyncShard& s, const Deliver& deliver) {
      auto badge = s.badge(who);
      deliver(badge ? envelope(enc, 200, wire::Message{*badge}) : error_answer(enc, badge.error()));
    });
  }
  if (std::holds_alternative<ContactsRoute>(route)) {
    return OwnerJob([who, enc](sync::SyncShard& s, const Deliver& deliver) {
      auto list = s.contact_list(who);
      deliver(list ? envelope(enc, 200, wire::Message{std::move(*list)}) : error_answer(enc, list.error()));
    });
  }
  if (const auto* r = std::get_if<BaselineRoute>(&route)) {
    // The bandwidth benchmark's pull baseline: JSON views, not the protocol.
    return OwnerJob([who, enc, thread = r->thread](sync::SyncShard& s, const Deliver& deliver) {
      auto view = s.baseline_view(who, thread);
      deliver(view ? Answer{200, std::move(*view), kJsonType, false} : error_answer(enc, view.error()));
    });
  }
  // POST /v1/threads (an Envelope CreateThreadRequest) and POST /v1/requests (any request;
  // the sync service refuses what is not one), in the body's Content-Type.
  if (!body) return tl::unexpected(error_answer(enc, body.error()));
  if (std::holds_alternative<CreateThreadRoute>(route) && !std::holds_alternative<wire::CreateThreadRequest>(*body)) {
    return tl::unexpected(error_answer(enc, http_error(wire::ErrorCode::invalid_request),
                                       "the body must be an Envelope holding a CreateThreadRequest"));
  }
  if (const auto* t = std::get_if<wire::Typing>(&*body); t && std::holds_alternative<RequestRoute>(route)) {
    // A typing signal for browsers on long polls (docs/PROTOCOL.md "Long polling"): routed
    // like an MQTT one; 204 when taken.
    return OwnerJob([who, enc, signal = *t](sync::SyncShard& s, const Deliver& deliver) {
      auto r = s.typing(who, signal);
      deliver(r ? Answer{204, {}, kJsonType} : error_answer(enc, r.error()));
    });
  }
  return OwnerJob([who, enc, request = std::move(*body)](sync::SyncShard& s, const Deliver& deliver) {
    s.request(who, request, [enc, deliver](sync::SyncShard::Outcome outcome) {
      if (auto* e = std::get_if<wire::Error>(&outcome)) {
        // The Error as the sync service made it (a rate limit's retry_after_ms included),
        // and its wait in whole seconds as Retry-After.
        const HttpError h = http_error(e->code);
        Answer a = envelope(enc, h.status, wire::Message{*e}, h.retry_after);
        if (e->retry_after) {
          a.retry_after_s = static_cast<std::uint32_t>(
              std::clamp<std::int64_t>((e->retry_after->count() + 999) / 1000, 1, 86'400));
        }
        return deliver(std::move(a));
      }
      deliver(envelope(enc, 200, wire::Message{std::get<wire::SendResult>(outcome)}));
    });
  });
}

}  // namespace iris::net::detail
