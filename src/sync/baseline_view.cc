#include "sync/baseline_view.h"

#include <string>

#include "sync/errc.h"
#include "wire/json_codec.h"

namespace iris::sync {

std::string baseline_notify(core::ThreadId thread, core::UserId actor) {
  return "{\"thread\":\"" + std::to_string(thread.value()) + "\",\"actor\":\"" +
         std::to_string(actor.value()) + "\"}";
}

Result<std::string> baseline_thread_view(const Inbox& inbox, core::UserId owner,
                                         core::Epoch epoch, core::ThreadId thread,
                                         std::size_t latest) {
  if (!inbox.participants(thread)) return fail(errc::unknown_thread);
  if (!inbox.is_participant(thread, owner)) return fail(errc::not_participant);
  wire::Snapshot all = inbox.snapshot(epoch, latest);
  wire::Snapshot one{all.epoch, all.seq, {}};
  for (auto& t : all.threads) {
    if (t.thread == thread) one.threads.push_back(std::move(t));
  }
  return wire::encode_json(wire::Message{std::move(one)});
}

}  // namespace iris::sync
