#pragma once
// The sync service as a long poll's target (net/poll_hub.h): SyncShard's device entry points.
#include "net/poll_hub.h"
#include "sync/sync_shard.h"

namespace iris::net::detail {

class SyncPollTarget final : public PollTarget {
 public:
  // `sync` must outlive this (both live as long as their shard).
  explicit SyncPollTarget(sync::SyncShard& sync) : sync_(sync) {}
  void on_connected(sync::ConnId conn, core::UserId user, core::DeviceId device) override {
    sync_.on_connected(conn, user, std::move(device));
  }
  void on_disconnected(sync::ConnId conn) override { sync_.on_disconnected(conn); }
  void on_request(sync::ConnId conn, sync::RequestTag tag, sync::Encoding encoding,
                  std::string_view payload) override {
    sync_.on_request(conn, tag, encoding, payload);
  }
  void on_delivered(sync::ConnId conn, std::uint64_t token) override { sync_.on_delivered(conn, token); }

 private:
  sync::SyncShard& sync_;
};

}  // namespace iris::net::detail
