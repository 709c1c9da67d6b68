#pragma once
// Keys and values of the RocksDB queue store. The format is written out as prose in
// docs/STORAGE_FORMAT.md; change both together, and never change an existing version's
// layout: add a version instead.
//
// Keys (one column family; the first byte is the record type, integers big-endian so that
// byte order is numeric order):
//   'M' user:u64                     -> Meta
//   'U' user:u64 seq:u64             -> Update record
//   'C' user:u64 name:bytes          -> cursor position: seq as fixed64le
//   'I' sender:u64 hi:u64 lo:u64     -> Idempotency record
//
// Values (varint = LEB128, zigzag for signed; str = varint length + bytes):
//   Meta       := version:u8(=1) epoch:fixed64le first:varint head:varint
//   Update     := version:u8(=1, or 2 for kinds 2-3) kind:u8 time_ms:zigzag thread:varint actor:varint body
//   body by kind:
//     1 MessageCreated      message:varint client_hi:fixed64le client_lo:fixed64le text:str
//                           has_reply:u8 [reply_to:varint] [attachments]
//       attachments := count:varint(>= 1) (blob:32 bytes type:str size:varint name:str
//                      dims:u8(bit 0 width, bit 1 height) [width:varint] [height:varint])*
//       absent when the message has none (and in every record written before issue 21)
//     2 MessageEdited       message:varint text:str            (version 1)
//                           message:varint text:str edit_count:varint   (version 2)
//     3 MessageDeleted      message:varint                     (version 1: an unsend)
//                           message:varint for_me:u8(0|1)      (version 2)
//     4 ReadReceipt         reader:varint up_to:varint
//     5 ThreadCreated       name:str count:varint user:varint*
//     6 ParticipantsChanged count:varint user:varint* count:varint user:varint*
//     7 ThreadRenamed       name:str
//     8 ReactionChanged     message:varint reaction:str
//   Version 2 exists only for kinds 2 and 3 (issue 21) and is what the encoder writes for
//   them; version 1 records of them read with edit_count 0 (not counted) and for_me false.
//   MessageCreated.edit_count is not stored: only catch-up folding sets it, never a queue.
//   Idempotency := version:u8(=1) time_ms:zigzag count:varint (user:varint seq:varint)*
//
// Decoders never read past the value, never allocate more than the value's size, and
// reject trailing bytes and over-long varints: every failure is store::errc::corrupt_record.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "core/cursor.h"
#include "core/idempotency.h"
#include "core/update.h"

namespace iris::store::detail {

enum class KeyType : char { meta = 'M', update = 'U', cursor = 'C', idempotency = 'I' };

struct Meta {
  core::Epoch epoch;
  core::Seq first{1};  // first retained seq
  core::Seq head{0};   // last assigned seq
  bool operator==(const Meta&) const = default;
};

std::string meta_key(core::UserId user);
std::string update_key(core::UserId user, core::Seq seq);
std::string update_prefix(core::UserId user);  // all of one user's update keys start with it
std::string cursor_key(core::UserId user, const core::CursorName& name);
std::string cursor_prefix(core::UserId user);
std::string idempotency_key(const core::IdempotencyKey& key);

// User of a meta key; requires a key built by meta_key.
core::UserId user_of_meta_key(std::string_view key);
// Seq of an update key; requires a key built by update_key.
core::Seq seq_of_update_key(std::string_view key);
// Name part of a cursor key (after the prefix).
std::string_view name_of_cursor_key(std::string_view key);
// "U/12/345"-style rendering of any key, for error messages.
std::string describe_key(std::string_view key);

void encode_meta(const Meta& meta, std::string& out);
Result<Meta> decode_meta(std::string_view value);

void encode_update(const core::Update& update, std::string& out);
// The update's seq is not in the value: pass the one from its key.
Result<core::Update> decode_update(std::string_view value, core::Seq seq);

// The history store's per-message columns (docs/STORAGE_FORMAT.md, history schema version 3):
//   Attachments := the MessageCreated attachments grammar above (count >= 1); no column value
//                  (NULL) for a message without attachments
//   Reactions   := count:varint (user:varint reaction:str)*  in increasing user order; NULL
//                  for none
// An empty list encodes as an empty string, which the stores write as NULL.
void encode_attachments(const std::vector<core::Attachment>& list, std::string& out);
Result<std::vector<core::Attachment>> decode_attachments(std::string_view value);
void encode_reactions(const std::vector<core::Reaction>& list, std::string& out);
Result<std::vector<core::Reaction>> decode_reactions(std::string_view value);

void encode_seq(core::Seq seq, std::string& out);
Result<core::Seq> decode_seq(std::string_view value);

void encode_idempotency(const core::IdempotencyRecord& record, std::string& out);
Result<core::IdempotencyRecord> decode_idempotency(std::string_view value);

}  // namespace iris::store::detail
