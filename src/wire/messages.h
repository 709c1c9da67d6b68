#pragma once
// The messages of the sync protocol as plain C++ values: what sync/, client/ and net/ build
// and read. Each struct mirrors one struct of iris.thrift field for field (the IDL comments
// give the meaning of every field); updates are core::Update itself. These types carry no
// Thrift dependency, so including them is cheap; the codecs (codec.h, json_codec.h) turn
// them into bytes and back.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/folding.h"
#include "core/ids.h"
#include "core/update.h"

namespace iris::wire {

// iris.thrift's PROTOCOL_VERSION: the newest version this build speaks.
inline constexpr std::int32_t kProtocolVersion = 6;
// What a peer that never said its version is assumed to speak (before ResumeRequest carried
// protocol_version).
inline constexpr std::int32_t kUnnegotiatedVersion = 3;

// Server -> device ------------------------------------------------------------------------

// Updates first_seq..last_seq of one queue. Invariant checked by both decoders: unfolded,
// exactly one update per seq of the range in order; folded, seqs strictly increasing
// inside the range (possibly none).
struct DeltaBatch {
  core::Epoch epoch;
  core::Seq first_seq;
  core::Seq last_seq;
  std::vector<core::Update> updates;
  bool folded = false;
  // Messages created and deleted inside the range, per thread, that folding left out
  // (core::fold_range): a device keeping a message counter still sees it move.
  std::vector<core::VanishedMessages> vanished{};
  bool operator==(const DeltaBatch&) const = default;
};

struct ThreadMessage {
  core::MessageId message;
  core::UserId sender;
  core::Timestamp time;
  std::string text;
  std::optional<core::MessageId> reply_to;
  std::uint32_t edit_count = 0;          // 0: never edited (on the wire an i32)
  std::vector<core::Reaction> reactions{};  // by user id
  std::vector<core::Attachment> attachments{};
  bool operator==(const ThreadMessage&) const = default;
};

struct ReadWatermark {
  core::UserId reader;
  core::MessageId up_to;
  bool operator==(const ReadWatermark&) const = default;
};

struct ThreadState {
  core::ThreadId thread;
  std::string name;
  std::vector<core::UserId> participants;
  std::vector<ThreadMessage> latest_messages;  // newest last
  std::uint32_t unread_count = 0;              // on the wire an i32: at most INT32_MAX
  std::vector<ReadWatermark> read_watermarks;
  core::Folder folder = core::Folder::inbox;  // on the wire only when not inbox (version 6)
  bool operator==(const ThreadState&) const = default;
};

// A page of a thread's history, oldest first; `more`: older messages exist (iris.thrift).
struct ThreadPage {
  core::ThreadId thread;
  std::vector<ThreadMessage> messages;
  bool more = false;
  bool operator==(const ThreadPage&) const = default;
};

struct Snapshot {
  core::Epoch epoch;
  core::Seq seq;
  std::vector<ThreadState> threads;
  // The user's social state (version 6), at least as new as `seq` (iris.thrift).
  std::vector<core::UserId> contacts{};  // ascending
  std::vector<core::UserId> blocked{};   // ascending
  core::GroupAdd group_add = core::GroupAdd::contacts;
  bool operator==(const Snapshot&) const = default;
};

enum class ResyncReason : std::uint8_t {
  too_old = 1,
  epoch_changed = 2,
  backlog_too_large = 3,
  temporary = 4,
};

struct Resync {
  ResyncReason reason = ResyncReason::too_old;
  core::Epoch epoch;
  core::Seq head;
  std::optional<std::chrono::milliseconds> retry_after;  // on the wire an i32 of ms, >= 0
  std::optional<core::ThreadId> thread;
  bool operator==(const Resync&) const = default;
};

// Keep-alive answer on the deltas topic: where the queue stands (iris.thrift).
struct Heartbeat {
  core::Epoch epoch;
  core::Seq head;
  bool operator==(const Heartbeat&) const = default;
};

// Ephemeral: `user` is typing in `thread` (active) or stopped. Never queued.
struct Typing {
  core::ThreadId thread;
  core::UserId user;
  bool active = false;
  bool operator==(const Typing&) const = default;
};

struct SendResult {
  core::ClientMsgId client_id;
  core::ThreadId thread;
  std::optional<core::MessageId> message;
  core::Seq seq;
  core::Timestamp time;
  bool operator==(const SendResult&) const = default;
};

enum class ErrorCode : std::uint8_t {
  not_participant = 1,
  too_large = 2,
  bad_encoding = 3,
  unknown_thread = 4,
  rate_limited = 5,
  invalid_request = 6,
  unavailable = 7,
  internal = 8,
  queue_full = 9,   // since version 4
  forbidden = 10,   // since version 4
  too_late = 11,    // since version 5
  unknown_message = 12,  // since version 5
  not_accepted = 13,     // since version 6
};

// `code` as a peer speaking protocol `version` can read it: a code newer than the peer is
// replaced by the closest one it knows, never by a retryable one (iris.thrift, ErrorCode).
// Version 0 (not said) is kUnnegotiatedVersion.
constexpr ErrorCode code_for_version(ErrorCode code, std::int32_t version) {
  if (version >= 6) return code;
  if (code == ErrorCode::not_accepted) code = ErrorCode::forbidden;
  if (version >= 5) return code;
  switch (code) {
    case ErrorCode::too_late: code = ErrorCode::forbidden; break;
    case ErrorCode::unknown_message: return ErrorCode::invalid_request;
    default: break;
  }
  if (version >= 4) return code;
  switch (code) {
    case ErrorCode::queue_full: return ErrorCode::too_large;
    case ErrorCode::forbidden: return ErrorCode::not_participant;
    default: return code;
  }
}

struct Error {
  std::optional<core::ClientMsgId> client_id;
  ErrorCode code = ErrorCode::internal;
  std::string text;
  // rate_limited: the earliest a retry can pass. On the wire an i32 of ms, >= 0.
  std::optional<std::chrono::milliseconds> retry_after = std::nullopt;
  bool operator==(const Error&) const = default;
};

// Device -> server ------------------------------------------------------------------------

struct ResumeRequest {
  core::Epoch epoch;
  core::Seq last_seq;
  std::uint32_t max_updates = 0;  // on the wire an i32: at most INT32_MAX
  // The device takes its own requests' updates from their SendResults: live batches on this
  // connection leave them out (iris.thrift).
  bool skip_own = false;
  // The protocol version the device speaks; 0: it did not say (kUnnegotiatedVersion).
  std::int32_t protocol_version = 0;
  bool operator==(const ResumeRequest&) const = default;
};

struct SendRequest {
  core::ClientMsgId client_id;
  core::ThreadId thread;
  std::string body;
  std::optional<core::MessageId> reply_to;
  std::vector<core::Attachment> attachments{};
  bool operator==(const SendRequest&) const = default;
};

struct ReadRequest {
  core::ThreadId thread;
  core::MessageId up_to;
  bool operator==(const ReadRequest&) const = default;
};

struct CreateThreadRequest {
  core::ClientMsgId client_id;
  std::string name;
  std::vector<core::UserId> participants;
  bool operator==(const CreateThreadRequest&) const = default;
};

struct RenameThreadRequest {
  core::ClientMsgId client_id;
  core::ThreadId thread;
  std::string name;
  bool operator==(const RenameThreadRequest&) const = default;
};

struct ChangeParticipantsRequest {
  core::ClientMsgId client_id;
  core::ThreadId thread;
  std::vector<core::UserId> added;
  std::vector<core::UserId> removed;
  bool operator==(const ChangeParticipantsRequest&) const = default;
};

// What a MessageActionRequest does to its message (iris.thrift MessageAction).
enum class MessageAction : std::uint8_t {
  edit = 1,           // sender only, within the edit window: `text` is the new text
  unsend = 2,         // sender only, within the edit window: gone for every participant
  delete_for_me = 3,  // any participant: gone from the requester's own view only
  react = 4,          // any participant: `text` is the reaction, empty takes it back
};

struct MessageActionRequest {
  core::ClientMsgId client_id;
  core::ThreadId thread;
  core::MessageId message;
  MessageAction action = MessageAction::edit;
  std::string text;
  bool operator==(const MessageActionRequest&) const = default;
};

// The user's unread count over every thread, exact at (epoch, seq) of its queue.
struct Badge {
  std::uint32_t unread = 0;          // messages (on the wire an i32)
  std::uint32_t unread_threads = 0;  // threads with at least one unread message
  core::Epoch epoch;
  core::Seq seq;
  bool operator==(const Badge&) const = default;
};

// What a SocialRequest changes (iris.thrift SocialAction).
enum class SocialAction : std::uint8_t {
  add_contact = 1,
  remove_contact = 2,
  block = 3,
  unblock = 4,
  accept = 5,
  archive = 6,
  unarchive = 7,
  set_group_add = 8,
};

// Changes the requester's own contacts, blocks, folders or settings (iris.thrift).
struct SocialRequest {
  core::ClientMsgId client_id;
  SocialAction action = SocialAction::add_contact;
  core::UserId user;        // the contact actions
  core::ThreadId thread;    // the folder actions
  core::GroupAdd group_add = core::GroupAdd::contacts;  // set_group_add
  bool operator==(const SocialRequest&) const = default;
};

// The requester's contacts and blocked users, ascending, and its group-add setting.
struct ContactList {
  std::vector<core::UserId> contacts;
  std::vector<core::UserId> blocked;
  core::GroupAdd group_add = core::GroupAdd::contacts;
  bool operator==(const ContactList&) const = default;
};

struct Ack {
  core::Epoch epoch;
  core::Seq seq;
  bool operator==(const Ack&) const = default;
};

// Any one message (iris.thrift's Envelope). Alternative order = Envelope member id - 1:
// never reorder, append only.
using Message = std::variant<DeltaBatch, Snapshot, ResumeRequest, Resync, SendRequest,
                             SendResult, Error, ReadRequest, CreateThreadRequest,
                             RenameThreadRequest, ChangeParticipantsRequest, Ack, Heartbeat, Typing,
                             ThreadPage, MessageActionRequest, Badge, SocialRequest, ContactList>;

// True for every type the codecs encode and decode: each alternative of Message, and
// Message itself (the envelope).
template <typename T>
inline constexpr bool is_wire_message_v = false;
template <>
inline constexpr bool is_wire_message_v<Message> = true;
template <typename... Ts>
inline constexpr bool is_alternative_v = false;
template <typename T, typename... Ts>
inline constexpr bool is_alternative_v<T, std::variant<Ts...>> = (std::is_same_v<T, Ts> || ...);

template <typename T>
concept WireMessage = is_wire_message_v<T> || is_alternative_v<T, Message>;

// Calls X(type) for every WireMessage: the one list the codecs' explicit instantiations use.
#define IRIS_WIRE_FOR_EACH_MESSAGE(X)                                                     \
  X(Message) X(DeltaBatch) X(Snapshot) X(ResumeRequest) X(Resync) X(SendRequest)          \
  X(SendResult) X(Error) X(ReadRequest) X(CreateThreadRequest) X(RenameThreadRequest)    \
  X(ChangeParticipantsRequest) X(Ack) X(Heartbeat) X(Typing) X(ThreadPage)               \
  X(MessageActionRequest) X(Badge) X(SocialRequest) X(ContactList)

}  // namespace iris::wire
