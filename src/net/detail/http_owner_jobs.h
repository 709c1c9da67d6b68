#pragma once
// The HTTP API's questions for the sync service: for each route that the owner shard of the
// asking user answers (snapshot, thread page, badge, the benchmark's baseline view, thread
// creation and POST /v1/requests), the job to run there; the session carries it over
// (HttpSession::ask_owner) and writes what the job delivers.

#include <functional>

#include <tl/expected.hpp>

#include "base/result.h"
#include "core/ids.h"
#include "net/detail/http_answer.h"
#include "net/http_route.h"
#include "sync/sync_shard.h"
#include "wire/messages.h"

namespace iris::net::detail {

using OwnerJob = std::function<void(sync::SyncShard&, const Deliver&)>;

// The job answering `route` for `who`, or the answer refusing it (a POST whose body did not
// decode, or is not the request the route takes). `body` is the request's decoded body, moved
// into the job of a POST.
tl::expected<OwnerJob, Answer> owner_job(const Route& route, core::UserId who, Encoding enc,
                                         Result<wire::Message>& body);

}  // namespace iris::net::detail
