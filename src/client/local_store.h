#pragma once
// LocalStore: a device's copy of its user's inbox, in one SQLite file, and its outbox.
// Owned by one Client (or a CLI command); used from one thread at a time.
//
// Invariants (the point of this class):
//  - position() (epoch, seq) always describes exactly the data: a delta batch is applied,
//    with its new seq, in one SQLite transaction (apply_batch), so a crash or an I/O error
//    in the middle leaves the previous state and the previous seq, never half a batch.
//  - A send is in the outbox (durable) before it leaves the device, and leaves the outbox
//    only in the transaction that stores its echo (the MessageCreated with its client id,
//    or a batch/snapshot past the seq its SendResult named): it is shown exactly once,
//    pending first, then as the server's message.
//
// Schema (version 2; `PRAGMA user_version`; version 1 gains outbox.request on open, a newer
// version is refused):
//   meta(key TEXT PRIMARY KEY, value INTEGER)        epoch, seq (unsigned bits as signed)
//   threads(id PK, name, participants "1,2,3", unread, last_ms)
//   messages(id PK, thread, sender, time_ms, text, client_id hex or NULL, reply_to,
//            ord_major, ord_minor)   order in a thread: (ord_major, ord_minor); a message
//            from a delta has (its seq, 0); snapshot messages have (snapshot seq, index)
//   watermarks(thread, reader, up_to, PK(thread, reader))
//   outbox(n INTEGER PK AUTOINCREMENT = order of sending, client_id UNIQUE, kind, thread,
//          text, participants, created_ms, acked_seq NULL until the SendResult,
//          request: the encoded wire Envelope of an action or of a send with attachments,
//          NULL for the others)
//   reactions(message, user, reaction), edits(message, count)   per-message metadata
//   attachments(message PK, data: the references as an encoded SendRequest's attachments)

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/ids.h"
#include "wire/messages.h"

namespace iris::client {

struct Position {
  core::Epoch epoch;  // 0: no state yet
  core::Seq seq;
  bool operator==(const Position&) const = default;
};

struct StoredThread {
  core::ThreadId id;
  std::string name;
  std::vector<core::UserId> participants;
  std::uint32_t unread = 0;
  core::Timestamp last_activity;
  core::Folder folder = core::Folder::inbox;  // protocol version 6; inbox until told
  bool operator==(const StoredThread&) const = default;
};

// The user's contacts and blocked users (ascending) and group-add setting, as its queue's
// ContactChanged / SettingsChanged updates and its snapshots left them.
struct StoredSocial {
  std::vector<core::UserId> contacts;
  std::vector<core::UserId> blocked;
  core::GroupAdd group_add = core::GroupAdd::contacts;
  bool operator==(const StoredSocial&) const = default;
};

struct StoredMessage {
  core::MessageId id;  // 0 for a pending send
  core::ThreadId thread;
  core::UserId sender;
  core::Timestamp time;
  std::string text;
  std::optional<core::MessageId> reply_to;
  std::optional<core::ClientMsgId> client_id;
  bool pending = false;  // still in the outbox: not yet echoed by the server
  bool operator==(const StoredMessage&) const = default;
};

// action: an edit, unsend, delete for me or reaction (Client::act), kept like a send so that
// it survives a restart and is applied once (the server deduplicates by its client id).
// social: a contact, block, folder or group-add change (Client::social), kept the same way.
enum class OutboxKind : std::uint8_t { send = 1, create_thread = 2, action = 3, social = 4 };

struct OutboxEntry {
  core::ClientMsgId client_id;
  OutboxKind kind = OutboxKind::send;
  core::ThreadId thread;                   // send
  std::string text;                        // send: body; create_thread: name
  std::vector<core::UserId> participants;  // create_thread
  core::Timestamp created;
  std::optional<core::Seq> acked_seq;  // set by the SendResult: no more retries
  std::vector<core::Attachment> attachments{};  // send
  core::MessageId message{};                      // action: the message acted on
  wire::MessageAction action = wire::MessageAction::edit;  // action
  // social: the SocialRequest's action, user (thread above) and group-add setting.
  wire::SocialAction social_action = wire::SocialAction::add_contact;
  core::UserId user{};
  core::GroupAdd group_add = core::GroupAdd::contacts;
  bool operator==(const OutboxEntry&) const = default;
  // The request that carries it out (SendRequest, CreateThreadRequest, MessageActionRequest).
  wire::Message request() const;
};

struct LocalStoreOptions {
  // Testing hook for fault injection: called before each write inside apply_batch and
  // apply_snapshot with its step number (0, 1, ...); returning true makes that write fail
  // as an I/O error would. Unset in production.
  std::function<bool(int step)> fail_write;
};

class LocalStore {
 public:
  // Opens or creates the store at `path` (":memory:" for a throwaway one).
  static Result<std::unique_ptr<LocalStore>> open(const std::string& path,
                                                  LocalStoreOptions options = {});
  ~LocalStore();
  LocalStore(const LocalStore&) = delete;
  LocalStore& operator=(const LocalStore&) = delete;

  Position position() const { return position_; }
  core::UserId self() const { return self_; }
  // The user this store belongs to (stored once; used to count unread messages).
  Result<void> set_self(core::UserId user);

  // Applies a batch that starts right after position().seq, with its epoch, in one
  // transaction. Requires: batch.first_seq == position().seq + 1 (SyncMachine checks).
  // Removes the outbox entries it echoes. `skip_thread`: a thread being refetched after a
  // thread-scoped resync; its updates are not applied.
  Result<void> apply_batch(const wire::DeltaBatch& batch,
                           std::optional<core::ThreadId> skip_thread = std::nullopt);
  // Replaces every thread, message and watermark with the snapshot's, and the position
  // with (snapshot.epoch, snapshot.seq); the outbox stays, less entries acked at or before
  // snapshot.seq. One transaction.
  Result<void> apply_snapshot(const wire::Snapshot& snapshot);
  // Replaces one thread's state (thread-scoped resync): its entry of a newer snapshot, as of
  // `as_of`. The stream's updates of that thread up to `as_of` are in that state already:
  // apply_batch skips them (an edit applied twice would count twice) until the position
  // passes `as_of`.
  Result<void> replace_thread(const wire::ThreadState& state, core::Seq as_of);
  // Removes one thread and its messages (left it, or about to refetch it).
  Result<void> drop_thread(core::ThreadId thread);
  // Stores older messages of a thread (a history page), ordered before what is there.
  Result<void> add_history(core::ThreadId thread, const std::vector<wire::ThreadMessage>& older);
  // Forgets all synced state (position back to (0, 0)); keeps the outbox.
  Result<void> reset();

  // Outbox, in the order entries were added.
  Result<void> outbox_add(const OutboxEntry& entry);
  Result<void> outbox_acked(core::ClientMsgId id, core::Seq seq);
  Result<void> outbox_remove(core::ClientMsgId id);
  Result<std::vector<OutboxEntry>> outbox() const;

  // Reads. Threads by latest activity, newest first.
  Result<std::vector<StoredThread>> threads() const;
  Result<std::optional<StoredThread>> thread(core::ThreadId id) const;
  // The `limit` latest messages of a thread older than `before` (all if unset), oldest
  // first, followed by its pending sends when `before` is unset.
  Result<std::vector<StoredMessage>> messages(core::ThreadId thread,
                                              std::optional<core::MessageId> before,
                                              std::size_t limit) const;
  Result<std::vector<wire::ReadWatermark>> watermarks(core::ThreadId thread) const;
  // A message's edit count, reactions (by user) and attachments, as the applied updates left
  // them.
  struct MessageMeta {
    std::uint32_t edit_count = 0;
    std::vector<core::Reaction> reactions{};
    std::vector<core::Attachment> attachments{};
    bool operator==(const MessageMeta&) const = default;
  };
  Result<MessageMeta> message_meta(core::MessageId id) const;
  // Number of stored messages (all threads), for status and tests.
  Result<std::uint64_t> message_count() const;
  Result<StoredSocial> social() const;

 private:
  struct Impl;
  explicit LocalStore(std::unique_ptr<Impl> impl);
  Result<void> write_step(int& step);
  Result<void> apply_update(const core::Update& u, int& step);
  // ContactChanged, FolderChanged, SettingsChanged: the relations and folders tables and meta.
  Result<void> apply_social(const core::Update& u, int& step);
  Result<void> put_thread_state(const wire::ThreadState& t, core::Seq as_of, int& step);
  Result<void> set_position(Position p, int& step);
  Result<void> recount_unread(core::ThreadId thread, int& step);
  Result<void> put_attachments(core::MessageId message, const std::vector<core::Attachment>& list,
                               int& step);

  std::unique_ptr<Impl> impl_;
  LocalStoreOptions options_;
  Position position_;
  core::UserId self_;
};

}  // namespace iris::client
