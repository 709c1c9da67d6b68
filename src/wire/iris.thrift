// iris.thrift: every client-visible message of the Iris sync protocol.
// This file is the contract; docs/PROTOCOL.md is its prose catalogue and must follow it.
//
// Encodings: Thrift compact protocol (the default on every connection) and a JSON mapping
// for debugging and browsers (src/wire/json_codec.h; rules in docs/PROTOCOL.md). Both carry
// exactly the same information.
//
// Version history (PROTOCOL_VERSION):
//   1  first version: updates, delta batch, snapshot, resume/resync, send, receipts,
//      thread requests, ack, envelope.
//   2  Heartbeat (Envelope member 13: keep-alive with the queue's head on the deltas topic)
//      and Typing (member 14: the ephemeral t/<thread>/typing signal).
//   3  ThreadPage (Envelope member 15: a page of a thread's older messages, the answer to
//      HTTP GET /v1/threads/{id}/messages).
//   4  ResumeRequest.protocol_version (5: the version a device speaks), Error.retry_after_ms
//      (4: when to retry a rate_limited request), ErrorCode queue_full (9) and forbidden (10),
//      sent only to a connection whose resume said version 4 or later (older peers get
//      too_large and not_participant: also not retryable).
//   5  Edits, unsends, deletes for me and reactions: MessageActionRequest (Envelope member
//      16), ReactionChanged (UpdateBody member 8, sent only to version 5 peers: older ones get
//      batches without it, marked folded), ErrorCode too_late (11) and unknown_message (12)
//      (older peers: forbidden / not_participant and invalid_request), Badge (Envelope member
//      17, the unread count, pushed to version 5 devices); new fields with defaults that mean
//      "as before": MessageCreated.edit_count (5), MessageEdited.edit_count (3),
//      MessageDeleted.for_me (2), DeltaBatch.vanished (6), ThreadMessage.edit_count (6) and
//      reactions (7).
//   6  Contacts, blocks and folders (docs/PROTOCOL.md "Contacts, blocks and folders"):
//      SocialRequest (Envelope member 18), ContactList (member 19, the answer to HTTP
//      GET /v1/contacts), UpdateBody members contact_changed (9), folder_changed (10) and
//      settings_changed (11), sent only to version 6 peers (older ones get batches without
//      them, marked folded), ErrorCode not_accepted (13) (older peers: forbidden, or
//      not_participant); new optional fields ThreadState.folder (7) and Snapshot.contacts
//      (4), blocked (5) and group_add (6).
//
// Compatibility rules, which every change to this file must keep:
//   - A field id, once used, is never reused and never changes type. A retired field keeps
//     a comment `// N: retired (was <type> <name>)` so nobody reuses N.
//   - No field is `required`: a reader fills a missing field with its default, which is
//     what makes retiring a field possible. Absence with a meaning uses `optional`.
//   - New fields get new ids and must have a default meaning "behave as before".
//   - Readers skip fields they do not know (Thrift does; the JSON mapping ignores unknown
//     keys), so adding a field never breaks an older peer.
//   - New union members (update kinds, envelope messages) and new enum values are sent
//     only to peers that negotiated a PROTOCOL_VERSION that knows them: an older reader
//     cannot skip them safely (a batch is applied all or nothing), so it rejects them.
//   - Renaming a field is free for Thrift but breaks the JSON mapping: don't.
//
// Value conventions:
//   - Ids, seqs, epochs are unsigned 64-bit in Iris; Thrift has only signed integers, so
//     they travel as i64 with the same bits (two's complement). JSON writes them as
//     decimal strings of the unsigned value.
//   - Times are milliseconds since the Unix epoch, UTC.
//   - Strings are UTF-8; a reader rejects invalid UTF-8.
//   - ClientMsgId is exactly 16 bytes: the high 64 bits then the low 64 bits, big-endian
//     (the same order as its 32-digit hex form).

namespace cpp iris.wire.gen

const i32 PROTOCOL_VERSION = 6

typedef i64 UserId
typedef i64 ThreadId
typedef i64 MessageId
typedef i64 Seq
typedef i64 Epoch
typedef i64 TimeMs
typedef binary ClientMsgId

// ---------------------------------------------------------------------------------------
// Attachments (docs/PROTOCOL.md "Blobs"): a message's reference to a blob uploaded with
// POST /v1/blobs. Carried by SendRequest, MessageCreated and ThreadMessage in optional
// fields, so an older reader skips them and shows the text alone.
struct Attachment {
  1: string blob             // 64 lowercase hex digits: the SHA-256 of the bytes, as uploaded
  2: string content_type     // as the upload answered it, e.g. "image/png"
  3: i64 size                // bytes, as the upload answered it; >= 0
  4: string name             // the file name the sender gave; may be empty
  5: optional i32 width      // image pixels, when the sender gave them; >= 0
  6: optional i32 height
}

// ---------------------------------------------------------------------------------------
// Updates: the entries of a user's queue (core/update.h). The member ids of UpdateBody are
// the persisted core::UpdateKind numbers.

struct MessageCreated {
  1: MessageId message
  2: ClientMsgId client_id
  3: string text
  4: optional MessageId reply_to
  // Edits catch-up folding took into `text` (the message was created and edited inside the
  // folded range); absent: none. Since version 5.
  5: optional i32 edit_count
  6: optional list<Attachment> attachments   // absent: none
}

struct MessageEdited {
  1: MessageId message
  2: string text             // the full new text, not a diff
  // Which edit this is (1 = the first), so a device that missed edits still has the count;
  // absent: not counted. Since version 5.
  3: optional i32 edit_count
}

// The sender unsent the message (in every participant's queue), or with for_me the queue's
// owner deleted it for itself only (in its own queue; the actor is that user). Either way it
// leaves the view; a reader of version 4 or older does exactly that.
struct MessageDeleted {
  1: MessageId message
  2: optional bool for_me    // since version 5; absent: an unsend (or older server)
}

// A read watermark: `reader` has read the thread up to and including `up_to`.
struct ReadReceipt {
  1: UserId reader
  2: MessageId up_to
}

struct ThreadCreated {
  1: string name
  2: list<UserId> participants
}

struct ParticipantsChanged {
  1: list<UserId> added
  2: list<UserId> removed
}

struct ThreadRenamed {
  1: string name
}

// The actor's reaction to `message` is now `reaction`; empty: taken back. One per user per
// message. Since version 5 (sent only to peers that said version 5).
struct ReactionChanged {
  1: MessageId message
  2: string reaction
}

// Social state (docs/PROTOCOL.md "Contacts, blocks and folders"). Since version 6. Each enum
// starts at 0, the value an absent field takes.
enum Relation {
  none = 0                 // neither a contact nor blocked
  contact = 1
  blocked = 2              // may not message the user, start a thread with it or add it
}

enum Folder {
  inbox = 0
  requests = 1             // started by a non-contact, not accepted yet
  archived = 2
}

enum GroupAdd {
  contacts = 0             // only contacts may add the user to groups (the default)
  anyone = 1               // anyone not blocked
  nobody = 2
}

// In the owner's own queue only (Update.thread 0, actor the owner): `user` is now
// `relation` to the owner. Absolute: the last one per user is the state. Since version 6.
struct ContactChanged {
  1: UserId user
  2: Relation relation
}

// In the owner's own queue only: the thread (Update.thread) is now in `folder` for the
// owner, who moved it. A new thread's first folder is derived by the device (requests when
// its starter, or the user who added the owner, is not the owner's contact). Since 6.
struct FolderChanged {
  1: Folder folder
}

// In the owner's own queue only (Update.thread 0): the owner's settings now. Since 6.
struct SettingsChanged {
  1: GroupAdd group_add
}

// Exactly one member is set; a reader that finds none it knows rejects the update.
union UpdateBody {
  1: MessageCreated message_created
  2: MessageEdited message_edited
  3: MessageDeleted message_deleted
  4: ReadReceipt read_receipt
  5: ThreadCreated thread_created
  6: ParticipantsChanged participants_changed
  7: ThreadRenamed thread_renamed
  8: ReactionChanged reaction_changed   // since version 5
  9: ContactChanged contact_changed     // since version 6
  10: FolderChanged folder_changed      // since version 6
  11: SettingsChanged settings_changed  // since version 6
}

struct Update {
  1: Seq seq                 // position in the receiving user's queue
  2: TimeMs time_ms          // when the server accepted it
  3: ThreadId thread
  4: UserId actor            // who caused it: sender, reader, renamer ...
  5: UpdateBody body
}

// ---------------------------------------------------------------------------------------
// Server -> device

// Declared before DeltaBatch, which lists them (see Reaction below on the C++ order).
struct VanishedMessages {
  1: ThreadId thread
  2: i32 messages
}

// Updates first_seq..last_seq of one queue, applied by the device all or nothing.
// Unfolded: exactly one update per seq of the range, in order. Folded (a catch-up where
// offsetting updates were folded away): fewer updates, seqs strictly increasing within the
// range, and the batch still covers the whole range.
struct DeltaBatch {
  1: Epoch epoch
  2: Seq first_seq
  3: Seq last_seq
  4: list<Update> updates
  5: bool folded = false
  // Per thread, messages created and deleted inside this range whose updates folding left
  // out: a device that counts a thread's messages adds them to its created and its deleted
  // count. Absent: none. Since version 5.
  6: optional list<VanishedMessages> vanished
}

// One user's reaction to a message. Declared before ThreadMessage, which lists them: the
// generated C++ defines the structs in this order, and a vector of a type not yet defined
// does not compile with clang (the fuzz build).
struct Reaction {
  1: UserId user
  2: string reaction
}

// A message as the inbox shows it (a thread's latest messages in a snapshot).
struct ThreadMessage {
  1: MessageId message
  2: UserId sender
  3: TimeMs time_ms
  4: string text             // the current text, edits applied
  5: optional MessageId reply_to
  6: optional i32 edit_count          // edits so far; absent: never edited. Since version 5
  7: optional list<Reaction> reactions   // one per reacting user, by user id. Since 5
  8: optional list<Attachment> attachments   // absent: none
}

struct ReadWatermark {
  1: UserId reader
  2: MessageId up_to
}

struct ThreadState {
  1: ThreadId thread
  2: string name
  3: list<UserId> participants
  4: list<ThreadMessage> latest_messages   // newest last
  5: i32 unread_count                      // >= 0
  6: list<ReadWatermark> read_watermarks   // one per participant who has read anything
  7: optional Folder folder               // absent: inbox. Since version 6
}

// Messages of one thread, oldest first, older than the `before` the device asked for (or the
// newest when it gave none); `more` says older messages exist beyond this page. The answer
// to HTTP GET /v1/threads/{id}/messages (docs/PROTOCOL.md "HTTP API"). Since version 3.
struct ThreadPage {
  1: ThreadId thread
  2: list<ThreadMessage> messages   // oldest first
  3: bool more = false
}

// The inbox exactly as of (epoch, seq): the device resumes from seq.
struct Snapshot {
  1: Epoch epoch
  2: Seq seq
  3: list<ThreadState> threads
  // The user's social state (absent: empty, and group_add contacts). It is at least as new
  // as `seq`: a change racing the snapshot may be in it and again in the deltas after seq,
  // as an absolute value, so applying both converges. Since version 6.
  4: optional list<UserId> contacts        // ascending
  5: optional list<UserId> blocked         // ascending
  6: optional GroupAdd group_add
}

enum ResyncReason {
  too_old = 1              // last_seq is before the first retained seq: take a snapshot
  epoch_changed = 2        // the queue was rebuilt: take a snapshot
  backlog_too_large = 3    // more than the device's max_updates: take a snapshot
  temporary = 4            // try the resume again after retry_after_ms; no snapshot needed
}

// The answer to a resume that cannot be served as deltas.
struct Resync {
  1: ResyncReason reason
  2: Epoch epoch             // the queue's current epoch
  3: Seq head                // the queue's current head
  4: optional i32 retry_after_ms   // set for `temporary`, jittered by the server
  5: optional ThreadId thread      // set when only this thread's state is in doubt
}

// A request was accepted and is durable. `thread` is the thread it acted on (the new
// thread for CreateThreadRequest); `message` is set for a SendRequest only; `seq` is the
// update's position in the requester's own queue.
struct SendResult {
  1: ClientMsgId client_id
  2: ThreadId thread
  3: optional MessageId message
  4: Seq seq
  5: TimeMs time_ms
}

enum ErrorCode {
  not_participant = 1      // the requester is not in the thread
  too_large = 2            // a body or a list over the server's limit
  bad_encoding = 3         // the payload did not decode
  unknown_thread = 4
  rate_limited = 5         // over a request rate limit: retry after retry_after_ms
  invalid_request = 6      // decoded, but makes no sense (empty body, bad seq ...)
  unavailable = 7          // temporary: retry the same request with the same client id
  internal = 8
  queue_full = 9           // a recipient's queue, or the requester's share of it, is full:
                           // a retry fails the same way until that queue is trimmed.
                           // Since version 4 (older peers: too_large)
  forbidden = 10           // a participant, but the thread's rules do not allow this
                           // (removing another without owning the thread). Since version 4
                           // (older peers: not_participant)
  too_late = 11            // past the edit window (sync.edit_window) of an edit or unsend.
                           // Since version 5 (older peers: forbidden, or not_participant)
  unknown_message = 12     // no such message in the thread (never, or no longer: unsent or
                           // deleted for me). Since version 5 (older peers: invalid_request)
  not_accepted = 13        // a recipient does not take this from the requester: a block, or
                           // its group-add setting (which one is not said). Since version 6
                           // (older peers: forbidden, or not_participant)
}

// A request failed; nothing was enqueued. `client_id` names the request when it had one.
struct Error {
  1: optional ClientMsgId client_id
  2: ErrorCode code
  3: string text             // for humans and logs; clients branch on `code` only
  4: optional i32 retry_after_ms   // rate_limited: the earliest a retry can pass (version 4)
}

// Sent on a streaming connection's deltas topic (QoS 0) when the device's keep-alive
// (PINGREQ) arrives: where the queue stands now. A device that has applied everything it
// received and still sees `head` past its seq on two heartbeats in a row has a stalled
// stream and resumes. Since version 2.
struct Heartbeat {
  1: Epoch epoch
  2: Seq head
}

// ---------------------------------------------------------------------------------------
// Ephemeral, both directions (never queued, QoS 0)

// Someone is typing in `thread` (active) or stopped (not active). Published by a device on
// t/<thread>/typing; the server replaces `user` with the publisher's own id before anyone
// else sees it, so receivers can trust it. Since version 2.
struct Typing {
  1: ThreadId thread
  2: UserId user
  3: bool active = false
}

// ---------------------------------------------------------------------------------------
// Device -> server

// Resume after last_seq of the queue incarnation `epoch`; answered with delta batches of
// all of (last_seq, head] or one Resync. Seq 0 means "from the start".
struct ResumeRequest {
  1: Epoch epoch
  2: Seq last_seq
  3: i32 max_updates         // the largest backlog the device will take as deltas; >= 0
  // true: the device applies its own requests from their SendResults (what it sent, plus the
  // seq, id and time the result names), so live batches on this connection leave those
  // updates out; a batch then starts after a seq the device took from a result.
  4: bool skip_own = false
  // The PROTOCOL_VERSION the device speaks; absent: 3 or older. Error codes and union
  // members newer than it are not sent on this connection (compatibility rule 4). Since 4.
  5: optional i32 protocol_version
}

// Client ids make every request idempotent: a retry returns the first result.
struct SendRequest {
  1: ClientMsgId client_id
  2: ThreadId thread
  3: string body
  4: optional MessageId reply_to
  // Each must name a blob the sender uploaded, with the size and type its upload answered;
  // at most blobs.max_attachments, names at most blobs.max_name_bytes. Otherwise the send
  // is refused (invalid_request, too_large) and nothing is enqueued.
  5: optional list<Attachment> attachments
}

struct ReadRequest {
  1: ThreadId thread
  2: MessageId up_to
}

struct CreateThreadRequest {
  1: ClientMsgId client_id
  2: string name
  3: list<UserId> participants   // besides the requester
}

struct RenameThreadRequest {
  1: ClientMsgId client_id
  2: ThreadId thread
  3: string name
}

struct ChangeParticipantsRequest {
  1: ClientMsgId client_id
  2: ThreadId thread
  3: list<UserId> added
  4: list<UserId> removed
}

enum MessageAction {
  edit = 1             // the sender, within the edit window: `text` is the full new text
  unsend = 2           // the sender, within the edit window: gone for every participant
  delete_for_me = 3    // any participant: gone from the requester's own view only
  react = 4            // any participant: `text` is the reaction (empty: take it back)
}

// Acts on one message of `thread`; answered like a send (SendResult with `message`, or
// Error). Refusals: not_participant, unknown_message, forbidden (edit or unsend of someone
// else's message), too_late (past the edit window), too_large (text over the body or
// reaction limit), invalid_request (an empty edit). Since version 5.
struct MessageActionRequest {
  1: ClientMsgId client_id
  2: ThreadId thread
  3: MessageId message
  4: MessageAction action
  5: string text
}

// The user's unread count over every thread, exact at (epoch, seq) of its queue: the answer
// to HTTP GET /v1/badge, and pushed (QoS 0, on the deltas topic, folded: the latest value
// only) to version 5 devices when it changes. Since version 5.
struct Badge {
  1: i32 unread              // messages from others above the user's read watermark
  2: i32 unread_threads      // threads with at least one of them
  3: Epoch epoch
  4: Seq seq
}

enum SocialAction {
  add_contact = 1          // `user` becomes a contact (unblocked if it was blocked)
  remove_contact = 2       // `user` is no longer a contact (a blocked user stays blocked)
  block = 3                // `user` is blocked (no longer a contact)
  unblock = 4              // `user` is no longer blocked
  accept = 5               // `thread` moves from requests to the inbox
  archive = 6              // `thread` moves to archived
  unarchive = 7            // `thread` moves back to the inbox
  set_group_add = 8        // who may add the requester to groups is now `group_add`
}

// Changes the requester's own social state; answered like a send (SendResult: `thread` for
// the folder actions, 0 otherwise; `seq` of the update in the requester's queue, which its
// devices get as a delta), or Error: invalid_request (user 0, 2^64-1 or the requester
// itself), not_participant / unknown_thread (a thread the requester is not in). Since 6.
struct SocialRequest {
  1: ClientMsgId client_id
  2: SocialAction action
  3: UserId user             // for add_contact, remove_contact, block, unblock
  4: ThreadId thread         // for accept, archive, unarchive
  5: GroupAdd group_add      // for set_group_add
}

// The requester's contacts, blocked users (both ascending) and group-add setting: the
// answer to HTTP GET /v1/contacts. Since version 6.
struct ContactList {
  1: list<UserId> contacts
  2: list<UserId> blocked
  3: GroupAdd group_add
}

// The device has stored every update of `epoch` up to and including `seq`.
struct Ack {
  1: Epoch epoch
  2: Seq seq
}

// ---------------------------------------------------------------------------------------
// Any one message, for channels that carry several kinds (a response topic, the debug
// console, the fuzzer). Exactly one member is set.
union Envelope {
  1: DeltaBatch delta_batch
  2: Snapshot snapshot
  3: ResumeRequest resume_request
  4: Resync resync
  5: SendRequest send_request
  6: SendResult send_result
  7: Error error
  8: ReadRequest read_request
  9: CreateThreadRequest create_thread_request
  10: RenameThreadRequest rename_thread_request
  11: ChangeParticipantsRequest change_participants_request
  12: Ack ack
  13: Heartbeat heartbeat    // since version 2
  14: Typing typing          // since version 2
  15: ThreadPage thread_page // since version 3
  16: MessageActionRequest message_action_request   // since version 5
  17: Badge badge            // since version 5
  18: SocialRequest social_request   // since version 6
  19: ContactList contact_list       // since version 6
}
