#pragma once
// Helpers shared by the client's end-to-end and chaos tests: a device (Client over its own
// store file) against an IrisdProcess, and polling with a deadline.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "client/client.h"
#include "tests/client/irisd_process.h"

namespace iris::testing {

inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

inline client::ClientOptions device_options(const IrisdProcess& irisd, std::uint64_t user,
                                            const std::string& device, const std::string& store,
                                            std::uint16_t port = 0) {
  client::ClientOptions o;
  o.host = "127.0.0.1";
  o.port = port ? port : irisd.mqtt_port();
  o.user = core::UserId{user};
  o.device = device;
  o.token = irisd.token(user, device);
  o.store_path = store;
  o.backoff_initial = std::chrono::milliseconds(50);
  o.backoff_max = std::chrono::milliseconds(1000);
  o.keep_alive = std::chrono::seconds(4);
  return o;
}

// The messages of a thread as a device holds them: (id, sender, text), in order.
using Row = std::tuple<std::uint64_t, std::uint64_t, std::string>;
inline std::vector<Row> rows(client::Client& c, core::ThreadId thread, bool* any_pending = nullptr) {
  auto ms = c.with_store([&](const client::LocalStore& s) {
    return s.messages(thread, std::nullopt, 1'000'000);
  });
  std::vector<Row> out;
  if (!ms) return out;
  for (const auto& m : *ms) {
    if (m.pending) {
      if (any_pending) *any_pending = true;
      continue;
    }
    out.emplace_back(m.id.value(), m.sender.value(), m.text);
  }
  return out;
}

// Per message of `thread` (not pending): its edit count and reactions ("user:reaction;...").
using MetaRow = std::tuple<std::uint64_t, std::uint32_t, std::string>;
inline std::vector<MetaRow> meta_rows(client::Client& c, core::ThreadId thread) {
  std::vector<MetaRow> out;
  for (const auto& [id, sender, text] : rows(c, thread)) {
    auto m = c.with_store([&, id = id](const client::LocalStore& s) { return s.message_meta(core::MessageId{id}); });
    std::string rs;
    if (m) {
      for (const auto& r : m->reactions) rs += std::to_string(r.user.value()) + ":" + r.reaction + ";";
    }
    out.emplace_back(id, m ? m->edit_count : 0, rs);
  }
  return out;
}

}  // namespace iris::testing
