#pragma once
// SyncGateway: the one seam between a shard's MQTT broker and its sync service. Everything
// MQTT about the sync protocol is here, and nothing of it is in sync/:
//  - in: the broker's intercepted PUBLISHes on u/<user>/sync (requests; their encoding read
//    off the payload), t/<thread>/typing (typing signals, checked and republished) and
//    c/fanout (a cell peer's pending fan-out: appended, then acknowledged), and
//    its acknowledgements, keep-alives and goodbyes of the connections that talk sync;
//  - out (sync::DeviceSink): pushes and heartbeats on u/<user>/deltas, results on
//    u/<user>/responses with the request's PUBACK (puback_reason), the user's trace, and the
//    subscriptions a removal from a thread revokes;
//  - thread membership for the authorizer (ThreadMembership), from the sync service's
//    resident inboxes (see is_participant).
// The per-connection user map lives here: the user id (as its text) of each connection that
// sent a request, whose topics its pushes go to.
//
// Single-threaded: everything runs on the shard's thread, like the broker and the
// SyncShard it joins. No I/O: the shard carries out the broker's actions.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "mqtt/broker.h"
#include "mqtt/reason_code.h"
#include "net/iris_auth.h"
#include "sync/sync_shard.h"
#include "wire/messages.h"

namespace iris::net {

// The PUBACK reason code of a request the sync service refused with `code`: the one mapping
// (MQTT 5.0 §3.4.2.1 allows only a few codes); the exact code travels in the Error on the
// response topic.
mqtt::ReasonCode puback_reason(wire::ErrorCode code);

// The encoding of a device's payload: a JSON Envelope is an object, while a compact one
// starts with a field header, never '{'.
sync::Encoding encoding_of(std::string_view payload);

class SyncGateway final : public sync::DeviceSink, public sync::BaselineSink, public ThreadMembership {
 public:
  // Whether this shard owns `user` (its inbox is this shard's to read).
  using OwnsUser = std::function<bool(core::UserId)>;

  // `broker` must outlive the gateway.
  SyncGateway(mqtt::Broker& broker, OwnsUser owns);

  // Joins the sync service (built with this gateway as its sink) and has the broker hand
  // its service topics here. Call once, before any traffic.
  void attach(std::unique_ptr<sync::SyncShard> sync);
  sync::SyncShard* sync() { return sync_.get(); }

  // --- the broker's actions for the sync service ---
  void on_intercept(mqtt::InterceptAction& request);
  void on_delivered(mqtt::ConnId conn, std::uint64_t token);
  void on_keep_alive(mqtt::ConnId conn);
  void on_gone(mqtt::ConnId conn);
  // The broker accepted the CONNECT of `user` (as authenticated): the user's inbox is made
  // resident now, so thread membership can be answered without the store (is_participant).
  // The shard calls this in the batch that sends the CONNACK, before it is written.
  void on_accepted(std::string_view user);

  // sync::DeviceSink
  void push(sync::ConnId conn, std::string payload, std::uint64_t token) override;
  void reply(sync::ConnId conn, sync::RequestTag tag, std::optional<wire::ErrorCode> error,
             std::string payload) override;
  void signal(sync::ConnId conn, std::string payload) override;
  bool tracing(core::UserId user) override;
  void trace(core::UserId user, std::string json) override;
  void revoke_thread(core::UserId user, core::ThreadId thread) override;
  // Routes a checked typing signal: to MQTT subscribers of its thread's typing topics, then to
  // `poll_typing` (the poll devices of every shard), then to `cell_typing` (the other servers
  // of the cell). Always taken (rates are checked before).
  bool typing(const wire::Typing& signal) override;
  // Where typing signals go for long-poll devices (set once by the server, before traffic).
  void set_poll_typing(std::function<void(const wire::Typing&)> poll_typing) { poll_typing_ = std::move(poll_typing); }
  // Where typing signals go for the other servers of the cell, whose devices subscribe there
  // (set once by the server, before traffic; unset outside a cell).
  void set_cell_typing(std::function<void(const wire::Typing&)> cell_typing) { cell_typing_ = std::move(cell_typing); }

  // sync::BaselineSink, installed only with SyncOptions::legacy_baseline: u/<user>/notify.
  bool listening(core::UserId user) override;
  void notify(core::UserId user, std::string payload) override;

  // ThreadMembership: whether `user` (as authenticated) is a participant of `thread` (both
  // decimal ids), from the user's resident inbox. This shard's authorizer asks it inside the
  // broker, on the shard's thread; it never reads the store, so an authorization never
  // blocks the event loop. Membership is kept resident rather than loaded asynchronously:
  // the broker's authorizer answers at once (an asynchronous answer would need a broker
  // that parks a PUBLISH or SUBSCRIBE), and every user whose session can ask has connected
  // here, when on_accepted loaded its inbox, before its client saw the CONNACK. When the
  // inbox is not resident (a packet pipelined behind its CONNECT, a failed load, an inbox
  // dropped after a gap in its updates) the answer is no until it is again. Also no for a
  // user this shard does not own: that inbox is not ours to read, and no lock guards it.
  bool is_participant(std::string_view user, std::string_view thread) const override;

 private:
  void on_typing(mqtt::InterceptAction& request, std::string_view thread_text);
  void on_cell_typing(mqtt::InterceptAction& request);
  // To this server's MQTT subscribers and poll devices only.
  void deliver_typing(const wire::Typing& signal);
  // A cell peer's frame (sync/fanout_frame.h): PUBACK success once every recipient's append
  // is durable, 0x83 (implementation specific) when a recipient is not ours, any other failure as
  // unspecified; a frame that does not decode closes the peer's connection.
  void on_fanout(mqtt::InterceptAction& request);

  mqtt::Broker& broker_;
  OwnsUser owns_;
  std::unique_ptr<sync::SyncShard> sync_;
  std::function<void(const wire::Typing&)> poll_typing_;
  std::function<void(const wire::Typing&)> cell_typing_;
  // The user id (as text) of each connection that talked to the sync service: its topics.
  std::unordered_map<mqtt::ConnId, std::string> users_;
};

}  // namespace iris::net
