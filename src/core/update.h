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

#include "core/ids.h"

namespace iris::core {

struct MessageCreated {
  MessageId message;
  ClientMsgId client_id;
  std::string text;
  std::optional<MessageId> reply_to;
  bool operator==(const MessageCreated&) const = default;
};

struct MessageEdited {
  MessageId message;
  std::string text;  // the full new text, not a diff
  bool operator==(const MessageEdited&) const = default;
};

struct MessageDeleted {
  MessageId message;
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

// Order matches UpdateKind: kind = variant index + 1.
using UpdateBody = std::variant<MessageCreated, MessageEdited, MessageDeleted, ReadReceipt,
                                ThreadCreated, ParticipantsChanged, ThreadRenamed>;

enum class UpdateKind : std::uint8_t {
  message_created = 1,
  message_edited = 2,
  message_deleted = 3,
  read_receipt = 4,
  thread_created = 5,
  participants_changed = 6,
  thread_renamed = 7,
};
inline constexpr std::uint8_t kMaxUpdateKind = 7;

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
