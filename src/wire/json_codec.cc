#include "wire/json_codec.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "core/ids.h"
#include "wire/detail/json.h"
#include "wire/detail/validate.h"
#include "wire/errc.h"

namespace iris::wire {
namespace {

using detail::JsonReader;
using detail::JsonWriter;
using namespace std::string_view_literals;

// Names ---------------------------------------------------------------------------------
// Every name here is the IDL's; renaming one breaks JSON peers (iris.thrift's rules).

constexpr std::array kUpdateKinds = {"message_created"sv, "message_edited"sv,
                                     "message_deleted"sv, "read_receipt"sv,
                                     "thread_created"sv,  "participants_changed"sv,
                                     "thread_renamed"sv,  "reaction_changed"sv,
                                     "contact_changed"sv, "folder_changed"sv,
                                     "settings_changed"sv};
static_assert(kUpdateKinds.size() == core::kMaxUpdateKind);

constexpr std::array kEnvelopeMembers = {
    "delta_batch"sv,           "snapshot"sv,     "resume_request"sv,
    "resync"sv,                "send_request"sv, "send_result"sv,
    "error"sv,                 "read_request"sv, "create_thread_request"sv,
    "rename_thread_request"sv, "change_participants_request"sv, "ack"sv,
    "heartbeat"sv,             "typing"sv,       "thread_page"sv,
    "message_action_request"sv, "badge"sv, "social_request"sv, "contact_list"sv};
static_assert(kEnvelopeMembers.size() == std::variant_size_v<Message>);

constexpr std::array kResyncReasons = {"too_old"sv, "epoch_changed"sv, "backlog_too_large"sv,
                                       "temporary"sv};
constexpr std::array kErrorCodes = {"not_participant"sv, "too_large"sv,    "bad_encoding"sv,
                                    "unknown_thread"sv,  "rate_limited"sv, "invalid_request"sv,
                                    "unavailable"sv,     "internal"sv,     "queue_full"sv,
                                    "forbidden"sv,       "too_late"sv,     "unknown_message"sv,
                                    "not_accepted"sv};
constexpr std::array kMessageActions = {"edit"sv, "unsend"sv, "delete_for_me"sv, "react"sv};
constexpr std::array kSocialActions = {"add_contact"sv, "remove_contact"sv, "block"sv,
                                       "unblock"sv,     "accept"sv,         "archive"sv,
                                       "unarchive"sv,   "set_group_add"sv};
// The social enums start at 0 (iris.thrift): their names are indexed by value.
constexpr std::array kRelations = {"none"sv, "contact"sv, "blocked"sv};
constexpr std::array kFolders = {"inbox"sv, "requests"sv, "archived"sv};
constexpr std::array kGroupAdds = {"contacts"sv, "anyone"sv, "nobody"sv};
static_assert(kRelations.size() == core::kMaxRelation + 1 && kFolders.size() == core::kMaxFolder + 1 &&
              kGroupAdds.size() == core::kMaxGroupAdd + 1);

// Values: writing ---------------------------------------------------------------------------

template <typename Id>
void put_id(JsonWriter& w, std::string_view key, Id id) {
  w.key(key);
  w.u64_string(id.value());
}

void put_time(JsonWriter& w, core::Timestamp t) {
  w.key("time_ms");
  w.i64_string(t.time_since_epoch().count());
}

void put_client_id(JsonWriter& w, const core::ClientMsgId& id) {
  w.key("client_id");
  w.string(id.to_hex());
}

void put_text(JsonWriter& w, std::string_view key, std::string_view text) {
  w.key(key);
  w.string(text);
}

// Counts are i32 on the wire; clamped the same way as the compact encoder's.
void put_count(JsonWriter& w, std::string_view key, std::int64_t v) {
  w.key(key);
  w.number(std::clamp<std::int64_t>(v, 0, std::numeric_limits<std::int32_t>::max()));
}

void put_users(JsonWriter& w, std::string_view key, const std::vector<core::UserId>& users) {
  w.key(key);
  w.begin_array();
  for (const auto& u : users) w.u64_string(u.value());
  w.end_array();
}

// {"blob":"<64 hex>","content_type":"image/png","size":"123","name":"a.png","width":640,
//  "height":480}: size is an i64 on the wire, so a decimal string as ids are.
void put_attachments(JsonWriter& w, const std::vector<core::Attachment>& list) {
  if (list.empty()) return;
  w.key("attachments");
  w.begin_array();
  for (const auto& a : list) {
    w.begin_object();
    put_text(w, "blob", a.blob.to_hex());
    put_text(w, "content_type", a.content_type);
    w.key("size");
    w.u64_string(std::min<std::uint64_t>(a.size, std::numeric_limits<std::int64_t>::max()));
    put_text(w, "name", a.name);
    if (a.width) put_count(w, "width", *a.width);
    if (a.height) put_count(w, "height", *a.height);
    w.end_object();
  }
  w.end_array();
}

// Values: reading ---------------------------------------------------------------------------

// "0" or [1-9][0-9]* within uint64 (core::parse_id): one spelling per value.
template <typename Id>
void get_id(JsonReader& r, Id& id) {
  const std::string s = r.string();
  if (!r.ok()) return;
  const auto v = core::parse_id(s);
  if (!v) return r.fail(errc::malformed);
  id = Id{*v};
}

template <typename Id>
void get_optional_id(JsonReader& r, std::optional<Id>& id) {
  Id v;
  get_id(r, v);
  id = v;
}

void get_time(JsonReader& r, core::Timestamp& t) {
  const std::string s = r.string();
  if (!r.ok()) return;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  const std::string_view digits = s.starts_with('-') ? std::string_view(s).substr(1) : s;
  if (digits.empty() || ec != std::errc{} || end != s.data() + s.size() ||
      (digits[0] == '0' && (digits.size() > 1 || s.size() > 1))) {
    return r.fail(errc::malformed);
  }
  t = core::Timestamp{std::chrono::milliseconds{v}};
}

void get_client_id(JsonReader& r, core::ClientMsgId& id) {
  const std::string s = r.string();
  if (!r.ok()) return;
  auto parsed = core::ClientMsgId::from_hex(s);
  if (!parsed) return r.fail(errc::malformed);
  id = *parsed;
}

// An i32 that must not be negative.
void get_count(JsonReader& r, std::uint32_t& out) {
  const std::int64_t v = r.integer();
  if (!r.ok()) return;
  if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max()) {
    return r.fail(errc::malformed);
  }
  if (v < 0) return r.fail(errc::invalid_message);
  out = static_cast<std::uint32_t>(v);
}

void get_users(JsonReader& r, std::vector<core::UserId>& users) {
  users.clear();
  if (!r.begin_array()) return;
  while (r.next_element()) get_id(r, users.emplace_back());
}

template <typename E, std::size_t N>
void get_enum(JsonReader& r, E& e, const std::array<std::string_view, N>& names) {
  const std::string s = r.string();
  if (!r.ok()) return;
  const auto it = std::find(names.begin(), names.end(), s);
  if (it == names.end()) return r.fail(errc::unknown_kind);
  e = static_cast<E>(it - names.begin() + 1);
}

// An enum whose values start at 0 (the social ones), by name.
template <typename E, std::size_t N>
void get_enum0(JsonReader& r, E& e, const std::array<std::string_view, N>& names) {
  const std::string s = r.string();
  if (!r.ok()) return;
  const auto it = std::find(names.begin(), names.end(), s);
  if (it == names.end()) return r.fail(errc::unknown_kind);
  e = static_cast<E>(it - names.begin());
}

template <typename E, std::size_t N>
void put_enum0(JsonWriter& w, std::string_view key, E e, const std::array<std::string_view, N>& names) {
  w.key(key);
  w.string(names[static_cast<std::size_t>(e)]);
}

// Reads an object whose known keys are `fields`: read_field(i) reads the value of
// fields[i]; unknown keys are skipped; a repeated known key is malformed. Returns the set
// of fields seen, as bits.
template <std::size_t N, typename F>
std::uint32_t get_object(JsonReader& r, const std::array<std::string_view, N>& fields,
                         F&& read_field) {
  static_assert(N <= 32);
  std::uint32_t seen = 0;
  if (!r.begin_object()) return 0;
  std::string key;
  while (r.next_key(key)) {
    const auto it = std::find(fields.begin(), fields.end(), key);
    if (it == fields.end()) {
      r.skip_value();
      continue;
    }
    const auto bit = 1u << (it - fields.begin());
    if (seen & bit) {
      r.fail(errc::malformed);
      return seen;
    }
    seen |= bit;
    read_field(static_cast<std::size_t>(it - fields.begin()));
  }
  return seen;
}

void get_attachments(JsonReader& r, std::vector<core::Attachment>& list) {
  list.clear();
  if (!r.begin_array()) return;
  while (r.next_element()) {
    core::Attachment& a = list.emplace_back();
    get_object(r, std::array{"blob"sv, "content_type"sv, "size"sv, "name"sv, "width"sv, "height"sv},
               [&](std::size_t f) {
                 switch (f) {
                   case 0: {
                     const std::string hex = r.string();
                     if (!r.ok()) return;
                     const auto id = core::BlobId::from_hex(hex);
                     if (!id) return r.fail(errc::invalid_message);
                     a.blob = *id;
                     return;
                   }
                   case 1: a.content_type = r.string(); return;
                   case 2: {
                     const std::string s = r.string();
                     if (!r.ok()) return;
                     const auto v = core::parse_id(s);
                     if (!v || *v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                       return r.fail(errc::malformed);
                     }
                     a.size = *v;
                     return;
                   }
                   case 3: a.name = r.string(); return;
                   case 4: return get_count(r, a.width.emplace());
                   default: return get_count(r, a.height.emplace());
                 }
               });
  }
}

// A union: exactly one member this version knows.
void check_union(JsonReader& r, std::uint32_t seen) {
  if (!r.ok()) return;
  if (seen == 0) return r.fail(errc::unknown_kind);
  if ((seen & (seen - 1)) != 0) r.fail(errc::malformed);
}

// Updates -----------------------------------------------------------------------------------

void write(JsonWriter& w, const core::Update& u) {
  w.begin_object();
  put_id(w, "seq", u.seq);
  put_time(w, u.time);
  put_id(w, "thread", u.thread);
  put_id(w, "actor", u.actor);
  w.key("body");
  w.begin_object();
  w.key(kUpdateKinds[u.body.index()]);
  w.begin_object();
  std::visit(
      [&w](const auto& body) {
        using B = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<B, core::MessageCreated>) {
          put_id(w, "message", body.message);
          put_client_id(w, body.client_id);
          put_text(w, "text", body.text);
          if (body.reply_to) put_id(w, "reply_to", *body.reply_to);
          if (body.edit_count) put_count(w, "edit_count", body.edit_count);
          put_attachments(w, body.attachments);
        } else if constexpr (std::is_same_v<B, core::MessageEdited>) {
          put_id(w, "message", body.message);
          put_text(w, "text", body.text);
          if (body.edit_count) put_count(w, "edit_count", body.edit_count);
        } else if constexpr (std::is_same_v<B, core::MessageDeleted>) {
          put_id(w, "message", body.message);
          if (body.for_me) {
            w.key("for_me");
            w.boolean(true);
          }
        } else if constexpr (std::is_same_v<B, core::ReactionChanged>) {
          put_id(w, "message", body.message);
          put_text(w, "reaction", body.reaction);
        } else if constexpr (std::is_same_v<B, core::ReadReceipt>) {
          put_id(w, "reader", body.reader);
          put_id(w, "up_to", body.up_to);
        } else if constexpr (std::is_same_v<B, core::ThreadCreated>) {
          put_text(w, "name", body.name);
          put_users(w, "participants", body.participants);
        } else if constexpr (std::is_same_v<B, core::ParticipantsChanged>) {
          put_users(w, "added", body.added);
          put_users(w, "removed", body.removed);
        } else if constexpr (std::is_same_v<B, core::ContactChanged>) {
          put_id(w, "user", body.user);
          put_enum0(w, "relation", body.relation, kRelations);
        } else if constexpr (std::is_same_v<B, core::FolderChanged>) {
          put_enum0(w, "folder", body.folder, kFolders);
        } else if constexpr (std::is_same_v<B, core::SettingsChanged>) {
          put_enum0(w, "group_add", body.group_add, kGroupAdds);
        } else {
          static_assert(std::is_same_v<B, core::ThreadRenamed>);
          put_text(w, "name", body.name);
        }
      },
      u.body);
  w.end_object();
  w.end_object();
  w.end_object();
}

void read_body(JsonReader& r, core::UpdateBody& body) {
  const auto seen = get_object(r, kUpdateKinds, [&](std::size_t kind) {
    switch (static_cast<core::UpdateKind>(kind + 1)) {
      case core::UpdateKind::message_created: {
        core::MessageCreated b;
        const auto fields =
            get_object(r, std::array{"message"sv, "client_id"sv, "text"sv, "reply_to"sv, "edit_count"sv, "attachments"sv},
                       [&](std::size_t f) {
                         switch (f) {
                           case 0: return get_id(r, b.message);
                           case 1: return get_client_id(r, b.client_id);
                           case 2: b.text = r.string(); return;
                           case 3: return get_optional_id(r, b.reply_to);
                           case 4: return get_count(r, b.edit_count);
                           default: return get_attachments(r, b.attachments);
                         }
                       });
        // A missing ClientMsgId is 0 bytes in Thrift, which is malformed: the same here.
        if (r.ok() && !(fields & 2u)) r.fail(errc::malformed);
        body = std::move(b);
        return;
      }
      case core::UpdateKind::message_edited: {
        core::MessageEdited b;
        get_object(r, std::array{"message"sv, "text"sv, "edit_count"sv}, [&](std::size_t f) {
          if (f == 0) return get_id(r, b.message);
          if (f == 2) return get_count(r, b.edit_count);
          b.text = r.string();
        });
        body = std::move(b);
        return;
      }
      case core::UpdateKind::message_deleted: {
        core::MessageDeleted b;
        get_object(r, std::array{"message"sv, "for_me"sv}, [&](std::size_t f) {
          if (f == 0) return get_id(r, b.message);
          b.for_me = r.boolean();
        });
        body = b;
        return;
      }
      case core::UpdateKind::reaction_changed: {
        core::ReactionChanged b;
        get_object(r, std::array{"message"sv, "reaction"sv}, [&](std::size_t f) {
          if (f == 0) return get_id(r, b.message);
          b.reaction = r.string();
        });
        body = std::move(b);
        return;
      }
      case core::UpdateKind::read_receipt: {
        core::ReadReceipt b;
        get_object(r, std::array{"reader"sv, "up_to"sv}, [&](std::size_t f) {
          if (f == 0) return get_id(r, b.reader);
          get_id(r, b.up_to);
        });
        body = b;
        return;
      }
      case core::UpdateKind::thread_created: {
        core::ThreadCreated b;
        get_object(r, std::array{"name"sv, "participants"sv}, [&](std::size_t f) {
          if (f == 0) {
            b.name = r.string();
            return;
          }
          get_users(r, b.participants);
        });
        body = std::move(b);
        return;
      }
      case core::UpdateKind::participants_changed: {
        core::ParticipantsChanged b;
        get_object(r, std::array{"added"sv, "removed"sv}, [&](std::size_t f) {
          get_users(r, f == 0 ? b.added : b.removed);
        });
        body = std::move(b);
        return;
      }
      case core::UpdateKind::thread_renamed: {
        core::ThreadRenamed b;
        get_object(r, std::array{"name"sv}, [&](std::size_t) { b.name = r.string(); });
        body = std::move(b);
        return;
      }
      case core::UpdateKind::contact_changed: {
        core::ContactChanged b;
        get_object(r, std::array{"user"sv, "relation"sv}, [&](std::size_t f) {
          if (f == 0) return get_id(r, b.user);
          get_enum0(r, b.relation, kRelations);
        });
        body = b;
        return;
      }
      case core::UpdateKind::folder_changed: {
        core::FolderChanged b;
        get_object(r, std::array{"folder"sv}, [&](std::size_t) { get_enum0(r, b.folder, kFolders); });
        body = b;
        return;
      }
      case core::UpdateKind::settings_changed: {
        core::SettingsChanged b;
        get_object(r, std::array{"group_add"sv}, [&](std::size_t) { get_enum0(r, b.group_add, kGroupAdds); });
        body = b;
        return;
      }
    }
  });
  check_union(r, seen);
}

void read(JsonReader& r, core::Update& u) {
  const auto seen = get_object(
      r, std::array{"seq"sv, "time_ms"sv, "thread"sv, "actor"sv, "body"sv}, [&](std::size_t f) {
        switch (f) {
          case 0: return get_id(r, u.seq);
          case 1: return get_time(r, u.time);
          case 2: return get_id(r, u.thread);
          case 3: return get_id(r, u.actor);
          default: return read_body(r, u.body);
        }
      });
  // Thrift leaves a missing body as a union with no member: the same error here.
  if (r.ok() && !(seen & (1u << 4))) r.fail(errc::unknown_kind);
}

// Messages ----------------------------------------------------------------------------------

void write(JsonWriter& w, const DeltaBatch& m) {
  w.begin_object();
  put_id(w, "epoch", m.epoch);
  put_id(w, "first_seq", m.first_seq);
  put_id(w, "last_seq", m.last_seq);
  w.key("updates");
  w.begin_array();
  for (const auto& u : m.updates) write(w, u);
  w.end_array();
  w.key("folded");
  w.boolean(m.folded);
  if (!m.vanished.empty()) {
    w.key("vanished");
    w.begin_array();
    for (const auto& v : m.vanished) {
      w.begin_object();
      put_id(w, "thread", v.thread);
      put_count(w, "messages", v.messages);
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();
}

void read(JsonReader& r, DeltaBatch& m) {
  get_object(r, std::array{"epoch"sv, "first_seq"sv, "last_seq"sv, "updates"sv, "folded"sv, "vanished"sv},
             [&](std::size_t f) {
               switch (f) {
                 case 0: return get_id(r, m.epoch);
                 case 1: return get_id(r, m.first_seq);
                 case 2: return get_id(r, m.last_seq);
                 case 3:
                   m.updates.clear();
                   if (!r.begin_array()) return;
                   while (r.next_element()) read(r, m.updates.emplace_back());
                   return;
                 case 4: m.folded = r.boolean(); return;
                 default:
                   m.vanished.clear();
                   if (!r.begin_array()) return;
                   while (r.next_element()) {
                     core::VanishedMessages& v = m.vanished.emplace_back();
                     get_object(r, std::array{"thread"sv, "messages"sv}, [&](std::size_t g) {
                       if (g == 0) return get_id(r, v.thread);
                       get_count(r, v.messages);
                     });
                   }
                   return;
               }
             });
}

void write(JsonWriter& w, const ThreadMessage& msg) {
  w.begin_object();
  put_id(w, "message", msg.message);
  put_id(w, "sender", msg.sender);
  put_time(w, msg.time);
  put_text(w, "text", msg.text);
  if (msg.reply_to) put_id(w, "reply_to", *msg.reply_to);
  if (msg.edit_count) put_count(w, "edit_count", msg.edit_count);
  if (!msg.reactions.empty()) {
    w.key("reactions");
    w.begin_array();
    for (const auto& rx : msg.reactions) {
      w.begin_object();
      put_id(w, "user", rx.user);
      put_text(w, "reaction", rx.reaction);
      w.end_object();
    }
    w.end_array();
  }
  put_attachments(w, msg.attachments);
  w.end_object();
}

void write(JsonWriter& w, const Snapshot& m) {
  w.begin_object();
  put_id(w, "epoch", m.epoch);
  put_id(w, "seq", m.seq);
  w.key("threads");
  w.begin_array();
  for (const auto& t : m.threads) {
    w.begin_object();
    put_id(w, "thread", t.thread);
    put_text(w, "name", t.name);
    put_users(w, "participants", t.participants);
    w.key("latest_messages");
    w.begin_array();
    for (const auto& msg : t.latest_messages) write(w, msg);
    w.end_array();
    put_count(w, "unread_count", t.unread_count);
    w.key("read_watermarks");
    w.begin_array();
    for (const auto& rw : t.read_watermarks) {
      w.begin_object();
      put_id(w, "reader", rw.reader);
      put_id(w, "up_to", rw.up_to);
      w.end_object();
    }
    w.end_array();
    if (t.folder != core::Folder::inbox) put_enum0(w, "folder", t.folder, kFolders);
    w.end_object();
  }
  w.end_array();
  if (!m.contacts.empty()) put_users(w, "contacts", m.contacts);
  if (!m.blocked.empty()) put_users(w, "blocked", m.blocked);
  if (m.group_add != core::GroupAdd::contacts) put_enum0(w, "group_add", m.group_add, kGroupAdds);
  w.end_object();
}

void read(JsonReader& r, ThreadMessage& m) {
  get_object(r,
             std::array{"message"sv, "sender"sv, "time_ms"sv, "text"sv, "reply_to"sv,
                        "edit_count"sv, "reactions"sv, "attachments"sv},
             [&](std::size_t f) {
               switch (f) {
                 case 0: return get_id(r, m.message);
                 case 1: return get_id(r, m.sender);
                 case 2: return get_time(r, m.time);
                 case 3: m.text = r.string(); return;
                 case 4: return get_optional_id(r, m.reply_to);
                 case 5: return get_count(r, m.edit_count);
                 case 6:
                   m.reactions.clear();
                   if (!r.begin_array()) return;
                   while (r.next_element()) {
                     core::Reaction& rx = m.reactions.emplace_back();
                     get_object(r, std::array{"user"sv, "reaction"sv}, [&](std::size_t g) {
                       if (g == 0) return get_id(r, rx.user);
                       rx.reaction = r.string();
                     });
                   }
                   return;
                 default: return get_attachments(r, m.attachments);
               }
             });
}

void read(JsonReader& r, ThreadState& t) {
  get_object(r,
             std::array{"thread"sv, "name"sv, "participants"sv, "latest_messages"sv,
                        "unread_count"sv, "read_watermarks"sv, "folder"sv},
             [&](std::size_t f) {
               switch (f) {
                 case 0: return get_id(r, t.thread);
                 case 1: t.name = r.string(); return;
                 case 2: return get_users(r, t.participants);
                 case 3:
                   t.latest_messages.clear();
                   if (!r.begin_array()) return;
                   while (r.next_element()) read(r, t.latest_messages.emplace_back());
                   return;
                 case 4: return get_count(r, t.unread_count);
                 case 6: return get_enum0(r, t.folder, kFolders);
                 default:
                   t.read_watermarks.clear();
                   if (!r.begin_array()) return;
                   while (r.next_element()) {
                     ReadWatermark& rw = t.read_watermarks.emplace_back();
                     get_object(r, std::array{"reader"sv, "up_to"sv}, [&](std::size_t g) {
                       if (g == 0) return get_id(r, rw.reader);
                       get_id(r, rw.up_to);
                     });
                   }
                   return;
               }
             });
}

void read(JsonReader& r, Snapshot& m) {
  get_object(r, std::array{"epoch"sv, "seq"sv, "threads"sv, "contacts"sv, "blocked"sv, "group_add"sv},
             [&](std::size_t f) {
    switch (f) {
      case 0: return get_id(r, m.epoch);
      case 1: return get_id(r, m.seq);
      case 3: return get_users(r, m.contacts);
      case 4: return get_users(r, m.blocked);
      case 5: return get_enum0(r, m.group_add, kGroupAdds);
      default:
        m.threads.clear();
        if (!r.begin_array()) return;
        while (r.next_element()) read(r, m.threads.emplace_back());
        return;
    }
  });
}

void write(JsonWriter& w, const ResumeRequest& m) {
  w.begin_object();
  put_id(w, "epoch", m.epoch);
  put_id(w, "last_seq", m.last_seq);
  put_count(w, "max_updates", m.max_updates);
  if (m.skip_own) {  // absent means false: older readers and writers agree
    w.key("skip_own");
    w.boolean(true);
  }
  if (m.protocol_version != 0) put_count(w, "protocol_version", m.protocol_version);
  w.end_object();
}

void read(JsonReader& r, ResumeRequest& m) {
  get_object(r, std::array{"epoch"sv, "last_seq"sv, "max_updates"sv, "skip_own"sv, "protocol_version"sv},
             [&](std::size_t f) {
               switch (f) {
                 case 0: return get_id(r, m.epoch);
                 case 1: return get_id(r, m.last_seq);
                 case 2: return get_count(r, m.max_updates);
                 case 3: m.skip_own = r.boolean(); return;
                 default: {
                   std::uint32_t v = 0;
                   get_count(r, v);
                   m.protocol_version = static_cast<std::int32_t>(v);
                   return;
                 }
               }
             });
}

void write(JsonWriter& w, const Resync& m) {
  w.begin_object();
  w.key("reason");
  w.string(kResyncReasons[static_cast<std::size_t>(m.reason) - 1]);
  put_id(w, "epoch", m.epoch);
  put_id(w, "head", m.head);
  if (m.retry_after) put_count(w, "retry_after_ms", m.retry_after->count());
  if (m.thread) put_id(w, "thread", *m.thread);
  w.end_object();
}

void read(JsonReader& r, Resync& m) {
  bool reason_seen = false;
  get_object(r, std::array{"reason"sv, "epoch"sv, "head"sv, "retry_after_ms"sv, "thread"sv},
             [&](std::size_t f) {
               switch (f) {
                 case 0: reason_seen = true; return get_enum(r, m.reason, kResyncReasons);
                 case 1: return get_id(r, m.epoch);
                 case 2: return get_id(r, m.head);
                 case 3: {
                   std::uint32_t ms = 0;
                   get_count(r, ms);
                   m.retry_after = std::chrono::milliseconds{ms};
                   return;
                 }
                 default: return get_optional_id(r, m.thread);
               }
             });
  // A missing enum field is 0 in Thrift, which no reason has.
  if (r.ok() && !reason_seen) r.fail(errc::unknown_kind);
}

void write(JsonWriter& w, const SendRequest& m) {
  w.begin_object();
  put_client_id(w, m.client_id);
  put_id(w, "thread", m.thread);
  put_text(w, "body", m.body);
  if (m.reply_to) put_id(w, "reply_to", *m.reply_to);
  put_attachments(w, m.attachments);
  w.end_object();
}

void read(JsonReader& r, SendRequest& m) {
  bool client_id_seen = false;
  get_object(r, std::array{"client_id"sv, "thread"sv, "body"sv, "reply_to"sv, "attachments"sv},
             [&](std::size_t f) {
               switch (f) {
                 case 0: client_id_seen = true; return get_client_id(r, m.client_id);
                 case 1: return get_id(r, m.thread);
                 case 2: m.body = r.string(); return;
                 case 3: return get_optional_id(r, m.reply_to);
                 default: return get_attachments(r, m.attachments);
               }
             });
  // A missing ClientMsgId is 0 bytes in Thrift, which is malformed: the same here.
  if (r.ok() && !client_id_seen) r.fail(errc::malformed);
}

void write(JsonWriter& w, const SendResult& m) {
  w.begin_object();
  put_client_id(w, m.client_id);
  put_id(w, "thread", m.thread);
  if (m.message) put_id(w, "message", *m.message);
  put_id(w, "seq", m.seq);
  put_time(w, m.time);
  w.end_object();
}

void read(JsonReader& r, SendResult& m) {
  bool client_id_seen = false;
  get_object(r, std::array{"client_id"sv, "thread"sv, "message"sv, "seq"sv, "time_ms"sv},
             [&](std::size_t f) {
               switch (f) {
                 case 0: client_id_seen = true; return get_client_id(r, m.client_id);
                 case 1: return get_id(r, m.thread);
                 case 2: return get_optional_id(r, m.message);
                 case 3: return get_id(r, m.seq);
                 default: return get_time(r, m.time);
               }
             });
  if (r.ok() && !client_id_seen) r.fail(errc::malformed);
}

void write(JsonWriter& w, const Error& m) {
  w.begin_object();
  if (m.client_id) put_client_id(w, *m.client_id);
  w.key("code");
  w.string(kErrorCodes[static_cast<std::size_t>(m.code) - 1]);
  put_text(w, "text", m.text);
  if (m.retry_after) put_count(w, "retry_after_ms", m.retry_after->count());
  w.end_object();
}

void read(JsonReader& r, Error& m) {
  bool code_seen = false;
  get_object(r, std::array{"client_id"sv, "code"sv, "text"sv, "retry_after_ms"sv}, [&](std::size_t f) {
    switch (f) {
      case 0: {
        core::ClientMsgId id;
        get_client_id(r, id);
        m.client_id = id;
        return;
      }
      case 1: code_seen = true; return get_enum(r, m.code, kErrorCodes);
      case 2: m.text = r.string(); return;
      default: {
        std::uint32_t ms = 0;
        get_count(r, ms);
        m.retry_after = std::chrono::milliseconds{ms};
        return;
      }
    }
  });
  if (r.ok() && !code_seen) r.fail(errc::unknown_kind);
}

void write(JsonWriter& w, const ReadRequest& m) {
  w.begin_object();
  put_id(w, "thread", m.thread);
  put_id(w, "up_to", m.up_to);
  w.end_object();
}

void read(JsonReader& r, ReadRequest& m) {
  get_object(r, std::array{"thread"sv, "up_to"sv}, [&](std::size_t f) {
    if (f == 0) return get_id(r, m.thread);
    get_id(r, m.up_to);
  });
}

void write(JsonWriter& w, const CreateThreadRequest& m) {
  w.begin_object();
  put_client_id(w, m.client_id);
  put_text(w, "name", m.name);
  put_users(w, "participants", m.participants);
  w.end_object();
}

void read(JsonReader& r, CreateThreadRequest& m) {
  bool client_id_seen = false;
  get_object(r, std::array{"client_id"sv, "name"sv, "participants"sv}, [&](std::size_t f) {
    switch (f) {
      case 0: client_id_seen = true; return get_client_id(r, m.client_id);
      case 1: m.name = r.string(); return;
      default: return get_users(r, m.participants);
    }
  });
  if (r.ok() && !client_id_seen) r.fail(errc::malformed);
}

void write(JsonWriter& w, const RenameThreadRequest& m) {
  w.begin_object();
  put_client_id(w, m.client_id);
  put_id(w, "thread", m.thread);
  put_text(w, "name", m.name);
  w.end_object();
}

void read(JsonReader& r, RenameThreadRequest& m) {
  bool client_id_seen = false;
  get_object(r, std::array{"client_id"sv, "thread"sv, "name"sv}, [&](std::size_t f) {
    switch (f) {
      case 0: client_id_seen = true; return get_client_id(r, m.client_id);
      case 1: return get_id(r, m.thread);
      default: m.name = r.string(); return;
    }
  });
  if (r.ok() && !client_id_seen) r.fail(errc::malformed);
}

void write(JsonWriter& w, const ChangeParticipantsRequest& m) {
  w.begin_object();
  put_client_id(w, m.client_id);
  put_id(w, "thread", m.thread);
  put_users(w, "added", m.added);
  put_users(w, "removed", m.removed);
  w.end_object();
}

void read(JsonReader& r, ChangeParticipantsRequest& m) {
  bool client_id_seen = false;
  get_object(r, std::array{"client_id"sv, "thread"sv, "added"sv, "removed"sv},
             [&](std::size_t f) {
               switch (f) {
                 case 0: client_id_seen = true; return get_client_id(r, m.client_id);
                 case 1: return get_id(r, m.thread);
                 case 2: return get_users(r, m.added);
                 default: return get_users(r, m.removed);
               }
             });
  if (r.ok() && !client_id_seen) r.fail(errc::malformed);
}

void write(JsonWriter& w, const Ack& m) {
  w.begin_object();
  put_id(w, "epoch", m.epoch);
  put_id(w, "seq", m.seq);
  w.end_object();
}

void read(JsonReader& r, Ack& m) {
  get_object(r, std::array{"epoch"sv, "seq"sv}, [&](std::size_t f) {
    if (f == 0) return get_id(r, m.epoch);
    get_id(r, m.seq);
  });
}

void write(JsonWriter& w, const Heartbeat& m) {
  w.begin_object();
  put_id(w, "epoch", m.epoch);
  put_id(w, "head", m.head);
  w.end_object();
}

void read(JsonReader& r, Heartbeat& m) {
  get_object(r, std::array{"epoch"sv, "head"sv}, [&](std::size_t f) {
    if (f == 0) return get_id(r, m.epoch);
    get_id(r, m.head);
  });
}

void write(JsonWriter& w, const Typing& m) {
  w.begin_object();
  put_id(w, "thread", m.thread);
  put_id(w, "user", m.user);
  w.key("active");
  w.boolean(m.active);
  w.end_object();
}

void read(JsonReader& r, Typing& m) {
  get_object(r, std::array{"thread"sv, "user"sv, "active"sv}, [&](std::size_t f) {
    switch (f) {
      case 0: return get_id(r, m.thread);
      case 1: return get_id(r, m.user);
      default: m.active = r.boolean(); return;
    }
  });
}

void write(JsonWriter& w, const ThreadPage& m) {
  w.begin_object();
  put_id(w, "thread", m.thread);
  w.key("messages");
  w.begin_array();
  for (const auto& msg : m.messages) write(w, msg);
  w.end_array();
  w.key("more");
  w.boolean(m.more);
  w.end_object();
}

void read(JsonReader& r, ThreadPage& m) {
  get_object(r, std::array{"thread"sv, "messages"sv, "more"sv}, [&](std::size_t f) {
    switch (f) {
      case 0: return get_id(r, m.thread);
      case 1:
        m.messages.clear();
        if (!r.begin_array()) return;
        while (r.next_element()) read(r, m.messages.emplace_back());
        return;
      default: m.more = r.boolean(); return;
    }
  });
}

void write(JsonWriter& w, const MessageActionRequest& m) {
  w.begin_object();
  put_client_id(w, m.client_id);
  put_id(w, "thread", m.thread);
  put_id(w, "message", m.message);
  w.key("action");
  w.string(kMessageActions[static_cast<std::size_t>(m.action) - 1]);
  put_text(w, "text", m.text);
  w.end_object();
}

void read(JsonReader& r, MessageActionRequest& m) {
  bool client_id_seen = false;
  bool action_seen = false;
  get_object(r, std::array{"client_id"sv, "thread"sv, "message"sv, "action"sv, "text"sv},
             [&](std::size_t f) {
               switch (f) {
                 case 0: client_id_seen = true; return get_client_id(r, m.client_id);
                 case 1: return get_id(r, m.thread);
                 case 2: return get_id(r, m.message);
                 case 3: action_seen = true; return get_enum(r, m.action, kMessageActions);
                 default: m.text = r.string(); return;
               }
             });
  if (r.ok() && !client_id_seen) r.fail(errc::malformed);
  // A missing enum field is 0 in Thrift, which no action has.
  if (r.ok() && !action_seen) r.fail(errc::unknown_kind);
}

void write(JsonWriter& w, const Badge& m) {
  w.begin_object();
  put_count(w, "unread", m.unread);
  put_count(w, "unread_threads", m.unread_threads);
  put_id(w, "epoch", m.epoch);
  put_id(w, "seq", m.seq);
  w.end_object();
}

void read(JsonReader& r, Badge& m) {
  get_object(r, std::array{"unread"sv, "unread_threads"sv, "epoch"sv, "seq"sv}, [&](std::size_t f) {
    switch (f) {
      case 0: return get_count(r, m.unread);
      case 1: return get_count(r, m.unread_threads);
      case 2: return get_id(r, m.epoch);
      default: return get_id(r, m.seq);
    }
  });
}

void write(JsonWriter& w, const SocialRequest& m) {
  w.begin_object();
  put_client_id(w, m.client_id);
  w.key("action");
  w.string(kSocialActions[static_cast<std::size_t>(m.action) - 1]);
  put_id(w, "user", m.user);
  put_id(w, "thread", m.thread);
  put_enum0(w, "group_add", m.group_add, kGroupAdds);
  w.end_object();
}

void read(JsonReader& r, SocialRequest& m) {
  bool client_id_seen = false;
  bool action_seen = false;
  get_object(r, std::array{"client_id"sv, "action"sv, "user"sv, "thread"sv, "group_add"sv},
             [&](std::size_t f) {
               switch (f) {
                 case 0: client_id_seen = true; return get_client_id(r, m.client_id);
                 case 1: action_seen = true; return get_enum(r, m.action, kSocialActions);
                 case 2: return get_id(r, m.user);
                 case 3: return get_id(r, m.thread);
                 default: return get_enum0(r, m.group_add, kGroupAdds);
               }
             });
  if (r.ok() && !client_id_seen) r.fail(errc::malformed);
  // A missing enum field is 0 in Thrift, which no action has.
  if (r.ok() && !action_seen) r.fail(errc::unknown_kind);
}

void write(JsonWriter& w, const ContactList& m) {
  w.begin_object();
  put_users(w, "contacts", m.contacts);
  put_users(w, "blocked", m.blocked);
  put_enum0(w, "group_add", m.group_add, kGroupAdds);
  w.end_object();
}

void read(JsonReader& r, ContactList& m) {
  get_object(r, std::array{"contacts"sv, "blocked"sv, "group_add"sv}, [&](std::size_t f) {
    switch (f) {
      case 0: return get_users(r, m.contacts);
      case 1: return get_users(r, m.blocked);
      default: return get_enum0(r, m.group_add, kGroupAdds);
    }
  });
}

void write(JsonWriter& w, const Message& m) {
  w.begin_object();
  w.key(kEnvelopeMembers[m.index()]);
  std::visit([&w](const auto& alt) { write(w, alt); }, m);
  w.end_object();
}

template <std::size_t I>
void read_alternative(JsonReader& r, Message& m) {
  read(r, m.emplace<I>());
}

void read(JsonReader& r, Message& m) {
  using Reader = void (*)(JsonReader&, Message&);
  static constexpr auto kReaders = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<Reader, sizeof...(I)>{&read_alternative<I>...};
  }(std::make_index_sequence<std::variant_size_v<Message>>{});
  const auto seen = get_object(r, kEnvelopeMembers, [&](std::size_t i) { kReaders[i](r, m); });
  check_union(r, seen);
}

}  // namespace

template <WireMessage M>
std::string encode_json(const M& message) {
  std::string out;
  out.reserve(256);
  JsonWriter w(out);
  write(w, message);
  return out;
}

template <WireMessage M>
Result<M> decode_json(std::string_view text, const Limits& limits) {
  if (text.size() > limits.max_message_bytes) return fail(errc::too_large);
  JsonReader r(text, limits);
  M m;
  read(r, m);
  r.finish();
  if (!r.ok()) return fail(r.error());
  if (auto ec = detail::validate(m)) return fail(ec);
  return m;
}

#define IRIS_WIRE_INSTANTIATE(M)                 \
  template std::string encode_json<M>(const M&); \
  template Result<M> decode_json<M>(std::string_view, const Limits&);
IRIS_WIRE_FOR_EACH_MESSAGE(IRIS_WIRE_INSTANTIATE)
#undef IRIS_WIRE_INSTANTIATE

std::string_view member_name(const Message& message) { return kEnvelopeMembers[message.index()]; }

}  // namespace iris::wire
