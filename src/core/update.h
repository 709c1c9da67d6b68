#pragma once
// Update: one change in a user's world, the unit of every queue. The body is a closed
// variant so that every consumer (folding, codecs, history) must handle each kind; adding a
// kind is a compile error everywhere it is not yet handled, which is the point.
//
// Kind numbers (UpdateKind) are persisted by the store and sent on the wire: never reuse or
// renumber one; append new kinds at the end.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/attachment.h"
#include "core/ids.h"
#include "core/social_policy.h"

namespace iris::core {

struct MessageCreated {
  MessageId message;
  ClientMsgId client_id;
  std::string text;
  std::optional<MessageId> reply_to;
  // Edits catch-up folding took into `text` (core/folding.h): 0 in every queue.
  std::uint32_t edit_count = 0;
  // Blobs the message carries (core/attachment.h), checked against their uploads before the
  // message was accepted (sync/, store/blob/blob_service.h).
  std::vector<Attachment> attachments{};
  bool operator==(const MessageCreated&) const = default;
};

struct MessageEdited {
  MessageId message;
  std::string text;  // the full new text, not a diff
  // Which edit of the message this is (1 = the first): a device that missed some edits (or
  // got them folded away) still knows how many there were. 0: not counted (older records).
  std::uint32_t edit_count = 0;
  bool operator==(const MessageEdited&) const = default;
};

// An unsend by the sender (in every participant's queue), or with `for_me` a "delete for
// me" (only in the queue of the user who hid it, who is the actor). Either way the message
// leaves the view of the queue it is in.
struct MessageDeleted {
  MessageId message;
  bool for_me = false;
  bool operator==(const MessageDeleted&) const = default;
};

// A read watermark: `reader` has read the thread up to and including `up_to`.
struct ReadReceipt {
  UserId reader;
  MessageId up_to;
  bool operator==(const ReadReceipt&) const = default;
};

struct ThreadCreated {
  std::string name;
  std::vector<UserId> participants;
  bool operator==(const ThreadCreated&) const = default;
};

struct ParticipantsChanged {
  std::vector<UserId> added;
  std::vector<UserId> removed;
  bool operator==(const ParticipantsChanged&) const = default;
};

struct ThreadRenamed {
  std::string name;
  bool operator==(const ThreadRenamed&) const = default;
};

// The actor's reaction to a message is now `reaction` (an emoji, or any short text); empty:
// the actor took its reaction back. One reaction per user per message: a new one replaces it.
struct ReactionChanged {
  MessageId message;
  std::string reaction;
  bool operator==(const ReactionChanged&) const = default;
};

// Social state of the queue's owner (the actor; Update::thread is 0): `user` is now
// `relation` to it (core/social_policy.h). Only in the owner's own queue. Since version 6.
struct ContactChanged {
  UserId user;
  Relation relation = Relation::none;
  bool operator==(const ContactChanged&) const = default;
};

// The thread (Update::thread) now sits in `folder` for the queue's owner, who moved it. Only
// in the owner's own queue. A new thread's first folder has no update: requests when its
// starter (or whoever added the owner) is not the owner's contact (social_policy.h). Since 6.
struct FolderChanged {
  Folder folder = Folder::inbox;
  bool operator==(const FolderChanged&) const = default;
};

// The queue owner's settings now (Update::thread is 0): who may add it to groups. Since 6.
struct SettingsChanged {
  GroupAdd group_add = GroupAdd::contacts;
  bool operator==(const SettingsChanged&) const = default;
};

// One user's reaction, as a materialized message lists them (ordered by user).
struct Reaction {
  UserId user;
  std::string reaction;
  bool operator==(const Reaction&) const = default;
};

// Order matches UpdateKind: kind = variant index + 1.
using UpdateBody = std::variant<MessageCreated, MessageEdited, MessageDeleted, ReadReceipt,
                                ThreadCreated, ParticipantsChanged, ThreadRenamed,
                                ReactionChanged, ContactChanged, FolderChanged, SettingsChanged>;

enum class UpdateKind : std::uint8_t {
  message_created = 1,
  message_edited = 2,
  message_deleted = 3,
  read_receipt = 4,
  thread_created = 5,
  participants_changed = 6,
  thread_renamed = 7,
  reaction_changed = 8,  // since protocol version 5
  contact_changed = 9,   // since protocol version 6
  folder_changed = 10,   // since protocol version 6
  settings_changed = 11, // since protocol version 6
};
inline constexpr std::uint8_t kMaxUpdateKind = 11;

// The kinds that carry a user's social state (core/social_policy.h): in no thread's view.
constexpr bool is_social(UpdateKind k) {
  return k == UpdateKind::contact_changed || k == UpdateKind::folder_changed ||
         k == UpdateKind::settings_changed;
}

struct Update {
  Seq seq;         // position in the owning user's queue; assigned on append
  Timestamp time;  // when the server accepted it
  ThreadId thread;
  UserId actor;    // who caused it (sender, reader, renamer ...)
  UpdateBody body;
  bool operator==(const Update&) const = default;
};

inline UpdateKind kind_of(const UpdateBody& body) {
  return static_cast<UpdateKind>(body.index() + 1);
}
std::string_view kind_name(UpdateKind kind);

}  // namespace iris::core
