#include "wire/convert.h"

#include <cstdint>
#include <cstring>
#include <algorithm>
#include <limits>
#include <type_traits>

#include "wire/detail/validate.h"
#include "wire/errc.h"

namespace iris::wire {
namespace {

// Ids are unsigned in Iris and i64 in Thrift: the same 64 bits either way (C++20 defines
// the conversion as modular).
template <typename Id>
std::int64_t i64(Id id) {
  return static_cast<std::int64_t>(id.value());
}
template <typename Id>
Id id_of(std::int64_t v) {
  return Id{static_cast<std::uint64_t>(v)};
}

std::int64_t time_ms(core::Timestamp t) { return t.time_since_epoch().count(); }
core::Timestamp time_of(std::int64_t ms) { return core::Timestamp{std::chrono::milliseconds{ms}}; }

std::string client_id_bytes(const core::ClientMsgId& id) {
  std::string out(16, '\0');
  for (int i = 0; i < 8; ++i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(id.hi >> (56 - 8 * i));
    out[static_cast<std::size_t>(8 + i)] = static_cast<char>(id.lo >> (56 - 8 * i));
  }
  return out;
}

Result<core::ClientMsgId> client_id_of(const std::string& bytes) {
  if (bytes.size() != 16) return fail(errc::malformed);
  core::ClientMsgId id;
  for (int i = 0; i < 8; ++i) {
    id.hi = (id.hi << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    id.lo = (id.lo << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(8 + i)]);
  }
  return id;
}

std::vector<std::int64_t> i64_list(const std::vector<core::UserId>& ids) {
  std::vector<std::int64_t> out;
  out.reserve(ids.size());
  for (const auto& id : ids) out.push_back(i64(id));
  return out;
}
std::vector<core::UserId> user_list(const std::vector<std::int64_t>& ids) {
  std::vector<core::UserId> out;
  out.reserve(ids.size());
  for (auto v : ids) out.push_back(id_of<core::UserId>(v));
  return out;
}

// A Thrift reader stores any i32 into an enum field. Reading it back as the enum type would
// be undefined (and trips UBSan) when the value is outside the enum's range, so the value
// is copied out as the integer it was on the wire.
template <typename E>
std::int32_t enum_value(const E& e) {
  static_assert(sizeof(E) == sizeof(std::int32_t));
  std::int32_t v;
  std::memcpy(&v, &e, sizeof v);
  return v;
}

// A social enum (Relation, Folder, GroupAdd: 0..max) as the wire carried it.
template <typename E, typename G>
Result<E> social_enum(const G& g, std::uint8_t max) {
  const std::int32_t v = enum_value(g);
  if (v < 0 || v > max) return fail(errc::unknown_kind);
  return static_cast<E>(v);
}

Result<std::uint32_t> count_of(std::int32_t v) {
  if (v < 0) return fail(errc::invalid_message);
  return static_cast<std::uint32_t>(v);
}

// Wire counts are i32; a count over INT32_MAX cannot be sent, so it is clamped (an unread
// count or a batch limit that large means "more than anyone can use" either way).
std::int32_t i32_of(std::uint32_t v) {
  return static_cast<std::int32_t>(std::min<std::uint32_t>(v, std::numeric_limits<std::int32_t>::max()));
}

std::vector<gen::Attachment> to_thrift(const std::vector<core::Attachment>& list) {
  std::vector<gen::Attachment> out;
  out.reserve(list.size());
  for (const auto& a : list) {
    gen::Attachment g;
    g.blob = a.blob.to_hex();
    g.content_type = a.content_type;
    g.size = static_cast<std::int64_t>(std::min<std::uint64_t>(a.size, std::numeric_limits<std::int64_t>::max()));
    g.name = a.name;
    if (a.width) g.__set_width(i32_of(*a.width));
    if (a.height) g.__set_height(i32_of(*a.height));
    out.push_back(std::move(g));
  }
  return out;
}

// A blob id that is not 64 lowercase hex digits, or a negative size or dimension, is invalid.
Result<std::vector<core::Attachment>> attachments_of(std::vector<gen::Attachment>&& list) {
  std::vector<core::Attachment> out;
  out.reserve(list.size());
  for (auto& g : list) {
    core::Attachment a;
    const auto blob = core::BlobId::from_hex(g.blob);
    if (!blob || g.size < 0) return fail(errc::invalid_message);
    a.blob = *blob;
    a.content_type = std::move(g.content_type);
    a.size = static_cast<std::uint64_t>(g.size);
    a.name = std::move(g.name);
    if (g.width < 0 || g.height < 0) return fail(errc::invalid_message);
    if (g.__isset.width) a.width = static_cast<std::uint32_t>(g.width);
    if (g.__isset.height) a.height = static_cast<std::uint32_t>(g.height);
    out.push_back(std::move(a));
  }
  return out;
}

// Exactly one member of a generated union: its index, or unknown_kind / malformed.
template <std::size_t N>
Result<std::size_t> only_member(const bool (&flags)[N]) {
  std::size_t found = N;
  for (std::size_t i = 0; i < N; ++i) {
    if (!flags[i]) continue;
    if (found != N) return fail(errc::malformed);
    found = i;
  }
  if (found == N) return fail(errc::unknown_kind);
  return found;
}

template <typename M>
Result<M> checked(M&& m) {
  if (auto ec = detail::validate(m)) return fail(ec);
  return std::move(m);
}

#define IRIS_TRY_ASSIGN(lhs, expr)            \
  do {                                        \
    auto iris_try_r = (expr);                 \
    if (!iris_try_r) return fail(iris_try_r.error()); \
    lhs = std::move(*iris_try_r);             \
  } while (0)

}  // namespace

// to_thrift ---------------------------------------------------------------------------------

gen::Update to_thrift(const core::Update& u) {
  gen::Update g;
  g.seq = i64(u.seq);
  g.time_ms = time_ms(u.time);
  g.thread = i64(u.thread);
  g.actor = i64(u.actor);
  gen::UpdateBody& b = g.body;
  std::visit(
      [&b](const auto& body) {
        using B = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<B, core::MessageCreated>) {
          b.message_created.message = i64(body.message);
          b.message_created.client_id = client_id_bytes(body.client_id);
          b.message_created.text = body.text;
          if (body.reply_to) b.message_created.__set_reply_to(i64(*body.reply_to));
          if (body.edit_count) b.message_created.__set_edit_count(i32_of(body.edit_count));
          if (!body.attachments.empty()) b.message_created.__set_attachments(to_thrift(body.attachments));
          b.__isset.message_created = true;
        } else if constexpr (std::is_same_v<B, core::MessageEdited>) {
          b.message_edited.message = i64(body.message);
          b.message_edited.text = body.text;
          if (body.edit_count) b.message_edited.__set_edit_count(i32_of(body.edit_count));
          b.__isset.message_edited = true;
        } else if constexpr (std::is_same_v<B, core::MessageDeleted>) {
          b.message_deleted.message = i64(body.message);
          if (body.for_me) b.message_deleted.__set_for_me(true);
          b.__isset.message_deleted = true;
        } else if constexpr (std::is_same_v<B, core::ReactionChanged>) {
          b.reaction_changed.message = i64(body.message);
          b.reaction_changed.reaction = body.reaction;
          b.__isset.reaction_changed = true;
        } else if constexpr (std::is_same_v<B, core::ReadReceipt>) {
          b.read_receipt.reader = i64(body.reader);
          b.read_receipt.up_to = i64(body.up_to);
          b.__isset.read_receipt = true;
        } else if constexpr (std::is_same_v<B, core::ThreadCreated>) {
          b.thread_created.name = body.name;
          b.thread_created.participants = i64_list(body.participants);
          b.__isset.thread_created = true;
        } else if constexpr (std::is_same_v<B, core::ParticipantsChanged>) {
          b.participants_changed.added = i64_list(body.added);
          b.participants_changed.removed = i64_list(body.removed);
          b.__isset.participants_changed = true;
        } else if constexpr (std::is_same_v<B, core::ContactChanged>) {
          b.contact_changed.user = i64(body.user);
          b.contact_changed.relation = static_cast<gen::Relation::type>(body.relation);
          b.__isset.contact_changed = true;
        } else if constexpr (std::is_same_v<B, core::FolderChanged>) {
          b.folder_changed.folder = static_cast<gen::Folder::type>(body.folder);
          b.__isset.folder_changed = true;
        } else if constexpr (std::is_same_v<B, core::SettingsChanged>) {
          b.settings_changed.group_add = static_cast<gen::GroupAdd::type>(body.group_add);
          b.__isset.settings_changed = true;
        } else {
          static_assert(std::is_same_v<B, core::ThreadRenamed>);
          b.thread_renamed.name = body.name;
          b.__isset.thread_renamed = true;
        }
      },
      u.body);
  g.__isset.body = true;
  return g;
}

gen::DeltaBatch to_thrift(const DeltaBatch& m) {
  gen::DeltaBatch g;
  g.epoch = i64(m.epoch);
  g.first_seq = i64(m.first_seq);
  g.last_seq = i64(m.last_seq);
  g.updates.reserve(m.updates.size());
  for (const auto& u : m.updates) g.updates.push_back(to_thrift(u));
  g.folded = m.folded;
  if (!m.vanished.empty()) {
    std::vector<gen::VanishedMessages> v;
    v.reserve(m.vanished.size());
    for (const auto& x : m.vanished) {
      gen::VanishedMessages& gv = v.emplace_back();
      gv.thread = i64(x.thread);
      gv.messages = i32_of(x.messages);
    }
    g.__set_vanished(std::move(v));
  }
  return g;
}

gen::ThreadMessage to_thrift(const ThreadMessage& msg) {
  gen::ThreadMessage gm;
  gm.message = i64(msg.message);
  gm.sender = i64(msg.sender);
  gm.time_ms = time_ms(msg.time);
  gm.text = msg.text;
  if (msg.reply_to) gm.__set_reply_to(i64(*msg.reply_to));
  if (msg.edit_count) gm.__set_edit_count(i32_of(msg.edit_count));
  if (!msg.reactions.empty()) {
    std::vector<gen::Reaction> rs;
    rs.reserve(msg.reactions.size());
    for (const auto& r : msg.reactions) {
      gen::Reaction& gr = rs.emplace_back();
      gr.user = i64(r.user);
      gr.reaction = r.reaction;
    }
    gm.__set_reactions(std::move(rs));
  }
  if (!msg.attachments.empty()) gm.__set_attachments(to_thrift(msg.attachments));
  return gm;
}

gen::Snapshot to_thrift(const Snapshot& m) {
  gen::Snapshot g;
  g.epoch = i64(m.epoch);
  g.seq = i64(m.seq);
  g.threads.reserve(m.threads.size());
  for (const auto& t : m.threads) {
    gen::ThreadState& gt = g.threads.emplace_back();
    gt.thread = i64(t.thread);
    gt.name = t.name;
    gt.participants = i64_list(t.participants);
    gt.latest_messages.reserve(t.latest_messages.size());
    for (const auto& msg : t.latest_messages) gt.latest_messages.push_back(to_thrift(msg));
    gt.unread_count = i32_of(t.unread_count);
    gt.read_watermarks.reserve(t.read_watermarks.size());
    for (const auto& w : t.read_watermarks) {
      gen::ReadWatermark& gw = gt.read_watermarks.emplace_back();
      gw.reader = i64(w.reader);
      gw.up_to = i64(w.up_to);
    }
    if (t.folder != core::Folder::inbox) gt.__set_folder(static_cast<gen::Folder::type>(t.folder));
  }
  if (!m.contacts.empty()) g.__set_contacts(i64_list(m.contacts));
  if (!m.blocked.empty()) g.__set_blocked(i64_list(m.blocked));
  if (m.group_add != core::GroupAdd::contacts) {
    g.__set_group_add(static_cast<gen::GroupAdd::type>(m.group_add));
  }
  return g;
}

gen::ResumeRequest to_thrift(const ResumeRequest& m) {
  gen::ResumeRequest g;
  g.epoch = i64(m.epoch);
  g.last_seq = i64(m.last_seq);
  g.max_updates = i32_of(m.max_updates);
  g.skip_own = m.skip_own;
  if (m.protocol_version != 0) g.__set_protocol_version(m.protocol_version);
  return g;
}

gen::Resync to_thrift(const Resync& m) {
  gen::Resync g;
  g.reason = static_cast<gen::ResyncReason::type>(m.reason);
  g.epoch = i64(m.epoch);
  g.head = i64(m.head);
  if (m.retry_after) {
    const auto ms = std::clamp<std::int64_t>(m.retry_after->count(), 0,
                                             std::numeric_limits<std::int32_t>::max());
    g.__set_retry_after_ms(static_cast<std::int32_t>(ms));
  }
  if (m.thread) g.__set_thread(i64(*m.thread));
  return g;
}

gen::SendRequest to_thrift(const SendRequest& m) {
  gen::SendRequest g;
  g.client_id = client_id_bytes(m.client_id);
  g.thread = i64(m.thread);
  g.body = m.body;
  if (m.reply_to) g.__set_reply_to(i64(*m.reply_to));
  if (!m.attachments.empty()) g.__set_attachments(to_thrift(m.attachments));
  return g;
}

gen::SendResult to_thrift(const SendResult& m) {
  gen::SendResult g;
  g.client_id = client_id_bytes(m.client_id);
  g.thread = i64(m.thread);
  if (m.message) g.__set_message(i64(*m.message));
  g.seq = i64(m.seq);
  g.time_ms = time_ms(m.time);
  return g;
}

gen::Error to_thrift(const Error& m) {
  gen::Error g;
  if (m.client_id) g.__set_client_id(client_id_bytes(*m.client_id));
  g.code = static_cast<gen::ErrorCode::type>(m.code);
  g.text = m.text;
  if (m.retry_after) {
    const auto ms = std::clamp<std::int64_t>(m.retry_after->count(), 0,
                                             std::numeric_limits<std::int32_t>::max());
    g.__set_retry_after_ms(static_cast<std::int32_t>(ms));
  }
  return g;
}

gen::ReadRequest to_thrift(const ReadRequest& m) {
  gen::ReadRequest g;
  g.thread = i64(m.thread);
  g.up_to = i64(m.up_to);
  return g;
}

gen::CreateThreadRequest to_thrift(const CreateThreadRequest& m) {
  gen::CreateThreadRequest g;
  g.client_id = client_id_bytes(m.client_id);
  g.name = m.name;
  g.participants = i64_list(m.participants);
  return g;
}

gen::RenameThreadRequest to_thrift(const RenameThreadRequest& m) {
  gen::RenameThreadRequest g;
  g.client_id = client_id_bytes(m.client_id);
  g.thread = i64(m.thread);
  g.name = m.name;
  return g;
}

gen::ChangeParticipantsRequest to_thrift(const ChangeParticipantsRequest& m) {
  gen::ChangeParticipantsRequest g;
  g.client_id = client_id_bytes(m.client_id);
  g.thread = i64(m.thread);
  g.added = i64_list(m.added);
  g.removed = i64_list(m.removed);
  return g;
}

gen::Ack to_thrift(const Ack& m) {
  gen::Ack g;
  g.epoch = i64(m.epoch);
  g.seq = i64(m.seq);
  return g;
}

gen::Heartbeat to_thrift(const Heartbeat& m) {
  gen::Heartbeat g;
  g.epoch = i64(m.epoch);
  g.head = i64(m.head);
  return g;
}

gen::Typing to_thrift(const Typing& m) {
  gen::Typing g;
  g.thread = i64(m.thread);
  g.user = i64(m.user);
  g.active = m.active;
  return g;
}

gen::ThreadPage to_thrift(const ThreadPage& m) {
  gen::ThreadPage g;
  g.thread = i64(m.thread);
  g.messages.reserve(m.messages.size());
  for (const auto& msg : m.messages) g.messages.push_back(to_thrift(msg));
  g.more = m.more;
  return g;
}

gen::MessageActionRequest to_thrift(const MessageActionRequest& m) {
  gen::MessageActionRequest g;
  g.client_id = client_id_bytes(m.client_id);
  g.thread = i64(m.thread);
  g.message = i64(m.message);
  g.action = static_cast<gen::MessageAction::type>(m.action);
  g.text = m.text;
  return g;
}

gen::Badge to_thrift(const Badge& m) {
  gen::Badge g;
  g.unread = i32_of(m.unread);
  g.unread_threads = i32_of(m.unread_threads);
  g.epoch = i64(m.epoch);
  g.seq = i64(m.seq);
  return g;
}

gen::SocialRequest to_thrift(const SocialRequest& m) {
  gen::SocialRequest g;
  g.client_id = client_id_bytes(m.client_id);
  g.action = static_cast<gen::SocialAction::type>(m.action);
  g.user = i64(m.user);
  g.thread = i64(m.thread);
  g.group_add = static_cast<gen::GroupAdd::type>(m.group_add);
  return g;
}

gen::ContactList to_thrift(const ContactList& m) {
  gen::ContactList g;
  g.contacts = i64_list(m.contacts);
  g.blocked = i64_list(m.blocked);
  g.group_add = static_cast<gen::GroupAdd::type>(m.group_add);
  return g;
}

gen::Envelope to_thrift(const Message& m) {
  gen::Envelope g;
  // One case per alternative, in Envelope member order.
  switch (m.index()) {
    case 0: g.__set_delta_batch(to_thrift(std::get<0>(m))); break;
    case 1: g.__set_snapshot(to_thrift(std::get<1>(m))); break;
    case 2: g.__set_resume_request(to_thrift(std::get<2>(m))); break;
    case 3: g.__set_resync(to_thrift(std::get<3>(m))); break;
    case 4: g.__set_send_request(to_thrift(std::get<4>(m))); break;
    case 5: g.__set_send_result(to_thrift(std::get<5>(m))); break;
    case 6: g.__set_error(to_thrift(std::get<6>(m))); break;
    case 7: g.__set_read_request(to_thrift(std::get<7>(m))); break;
    case 8: g.__set_create_thread_request(to_thrift(std::get<8>(m))); break;
    case 9: g.__set_rename_thread_request(to_thrift(std::get<9>(m))); break;
    case 10: g.__set_change_participants_request(to_thrift(std::get<10>(m))); break;
    case 11: g.__set_ack(to_thrift(std::get<11>(m))); break;
    case 12: g.__set_heartbeat(to_thrift(std::get<12>(m))); break;
    case 13: g.__set_typing(to_thrift(std::get<13>(m))); break;
    case 14: g.__set_thread_page(to_thrift(std::get<14>(m))); break;
    case 15: g.__set_message_action_request(to_thrift(std::get<15>(m))); break;
    case 16: g.__set_badge(to_thrift(std::get<16>(m))); break;
    case 17: g.__set_social_request(to_thrift(std::get<17>(m))); break;
    case 18: g.__set_contact_list(to_thrift(std::get<18>(m))); break;
  }
  static_assert(std::variant_size_v<Message> == 19, "add the new message to Envelope");
  return g;
}

// from_thrift -------------------------------------------------------------------------------

Result<core::Update> from_thrift(gen::Update&& g) {
  core::Update u;
  u.seq = id_of<core::Seq>(g.seq);
  u.time = time_of(g.time_ms);
  u.thread = id_of<core::ThreadId>(g.thread);
  u.actor = id_of<core::UserId>(g.actor);
  gen::UpdateBody& b = g.body;
  const bool set[] = {b.__isset.message_created,      b.__isset.message_edited,
                      b.__isset.message_deleted,      b.__isset.read_receipt,
                      b.__isset.thread_created,       b.__isset.participants_changed,
                      b.__isset.thread_renamed,       b.__isset.reaction_changed,
                      b.__isset.contact_changed,      b.__isset.folder_changed,
                      b.__isset.settings_changed};
  static_assert(std::size(set) == core::kMaxUpdateKind);
  auto which = only_member(set);
  if (!which) return fail(which.error());
  switch (static_cast<core::UpdateKind>(*which + 1)) {
    case core::UpdateKind::message_created: {
      core::MessageCreated body;
      body.message = id_of<core::MessageId>(b.message_created.message);
      IRIS_TRY_ASSIGN(body.client_id, client_id_of(b.message_created.client_id));
      body.text = std::move(b.message_created.text);
      if (b.message_created.__isset.reply_to) {
        body.reply_to = id_of<core::MessageId>(b.message_created.reply_to);
      }
      if (b.message_created.__isset.edit_count) {
        IRIS_TRY_ASSIGN(body.edit_count, count_of(b.message_created.edit_count));
      }
      if (b.message_created.__isset.attachments) {
        IRIS_TRY_ASSIGN(body.attachments, attachments_of(std::move(b.message_created.attachments)));
      }
      u.body = std::move(body);
      break;
    }
    case core::UpdateKind::message_edited: {
      core::MessageEdited body{id_of<core::MessageId>(b.message_edited.message),
                               std::move(b.message_edited.text)};
      if (b.message_edited.__isset.edit_count) {
        IRIS_TRY_ASSIGN(body.edit_count, count_of(b.message_edited.edit_count));
      }
      u.body = std::move(body);
      break;
    }
    case core::UpdateKind::message_deleted:
      u.body = core::MessageDeleted{id_of<core::MessageId>(b.message_deleted.message),
                                    b.message_deleted.__isset.for_me && b.message_deleted.for_me};
      break;
    case core::UpdateKind::reaction_changed:
      u.body = core::ReactionChanged{id_of<core::MessageId>(b.reaction_changed.message),
                                     std::move(b.reaction_changed.reaction)};
      break;
    case core::UpdateKind::read_receipt:
      u.body = core::ReadReceipt{id_of<core::UserId>(b.read_receipt.reader),
                                 id_of<core::MessageId>(b.read_receipt.up_to)};
      break;
    case core::UpdateKind::thread_created:
      u.body = core::ThreadCreated{std::move(b.thread_created.name),
                                   user_list(b.thread_created.participants)};
      break;
    case core::UpdateKind::participants_changed:
      u.body = core::ParticipantsChanged{user_list(b.participants_changed.added),
                                         user_list(b.participants_changed.removed)};
      break;
    case core::UpdateKind::thread_renamed:
      u.body = core::ThreadRenamed{std::move(b.thread_renamed.name)};
      break;
    case core::UpdateKind::contact_changed: {
      core::ContactChanged body{id_of<core::UserId>(b.contact_changed.user)};
      IRIS_TRY_ASSIGN(body.relation, social_enum<core::Relation>(b.contact_changed.relation, core::kMaxRelation));
      u.body = body;
      break;
    }
    case core::UpdateKind::folder_changed: {
      core::FolderChanged body;
      IRIS_TRY_ASSIGN(body.folder, social_enum<core::Folder>(b.folder_changed.folder, core::kMaxFolder));
      u.body = body;
      break;
    }
    case core::UpdateKind::settings_changed: {
      core::SettingsChanged body;
      IRIS_TRY_ASSIGN(body.group_add,
                      social_enum<core::GroupAdd>(b.settings_changed.group_add, core::kMaxGroupAdd));
      u.body = body;
      break;
    }
  }
  return u;
}

Result<DeltaBatch> from_thrift(gen::DeltaBatch&& g) {
  DeltaBatch m;
  m.epoch = id_of<core::Epoch>(g.epoch);
  m.first_seq = id_of<core::Seq>(g.first_seq);
  m.last_seq = id_of<core::Seq>(g.last_seq);
  m.folded = g.folded;
  m.updates.reserve(g.updates.size());
  for (auto& gu : g.updates) {
    auto u = from_thrift(std::move(gu));
    if (!u) return fail(u.error());
    m.updates.push_back(std::move(*u));
  }
  if (g.__isset.vanished) {
    m.vanished.reserve(g.vanished.size());
    for (const auto& gv : g.vanished) {
      core::VanishedMessages v{id_of<core::ThreadId>(gv.thread), 0};
      IRIS_TRY_ASSIGN(v.messages, count_of(gv.messages));
      m.vanished.push_back(v);
    }
  }
  return checked(std::move(m));
}

Result<ThreadMessage> from_thrift(gen::ThreadMessage&& gm) {
  ThreadMessage msg;
  msg.message = id_of<core::MessageId>(gm.message);
  msg.sender = id_of<core::UserId>(gm.sender);
  msg.time = time_of(gm.time_ms);
  msg.text = std::move(gm.text);
  if (gm.__isset.reply_to) msg.reply_to = id_of<core::MessageId>(gm.reply_to);
  if (gm.__isset.edit_count) IRIS_TRY_ASSIGN(msg.edit_count, count_of(gm.edit_count));
  if (gm.__isset.reactions) {
    msg.reactions.reserve(gm.reactions.size());
    for (auto& gr : gm.reactions) {
      msg.reactions.push_back({id_of<core::UserId>(gr.user), std::move(gr.reaction)});
    }
  }
  if (gm.__isset.attachments) IRIS_TRY_ASSIGN(msg.attachments, attachments_of(std::move(gm.attachments)));
  return msg;
}

Result<Snapshot> from_thrift(gen::Snapshot&& g) {
  Snapshot m;
  m.epoch = id_of<core::Epoch>(g.epoch);
  m.seq = id_of<core::Seq>(g.seq);
  m.threads.reserve(g.threads.size());
  for (auto& gt : g.threads) {
    ThreadState& t = m.threads.emplace_back();
    t.thread = id_of<core::ThreadId>(gt.thread);
    t.name = std::move(gt.name);
    t.participants = user_list(gt.participants);
    t.latest_messages.reserve(gt.latest_messages.size());
    for (auto& gm : gt.latest_messages) {
      auto msg = from_thrift(std::move(gm));
      if (!msg) return fail(msg.error());
      t.latest_messages.push_back(std::move(*msg));
    }
    IRIS_TRY_ASSIGN(t.unread_count, count_of(gt.unread_count));
    t.read_watermarks.reserve(gt.read_watermarks.size());
    for (const auto& gw : gt.read_watermarks) {
      t.read_watermarks.push_back(
          {id_of<core::UserId>(gw.reader), id_of<core::MessageId>(gw.up_to)});
    }
    if (gt.__isset.folder) IRIS_TRY_ASSIGN(t.folder, social_enum<core::Folder>(gt.folder, core::kMaxFolder));
  }
  if (g.__isset.contacts) m.contacts = user_list(g.contacts);
  if (g.__isset.blocked) m.blocked = user_list(g.blocked);
  if (g.__isset.group_add) {
    IRIS_TRY_ASSIGN(m.group_add, social_enum<core::GroupAdd>(g.group_add, core::kMaxGroupAdd));
  }
  return checked(std::move(m));
}

Result<ResumeRequest> from_thrift(gen::ResumeRequest&& g) {
  ResumeRequest m;
  m.epoch = id_of<core::Epoch>(g.epoch);
  m.last_seq = id_of<core::Seq>(g.last_seq);
  IRIS_TRY_ASSIGN(m.max_updates, count_of(g.max_updates));
  m.skip_own = g.skip_own;
  if (g.__isset.protocol_version) {
    if (g.protocol_version < 0) return fail(errc::invalid_message);
    m.protocol_version = g.protocol_version;
  }
  return checked(std::move(m));
}

Result<Resync> from_thrift(gen::Resync&& g) {
  Resync m;
  const std::int32_t reason = enum_value(g.reason);
  if (reason < 1 || reason > static_cast<std::int32_t>(ResyncReason::temporary)) {
    return fail(errc::unknown_kind);
  }
  m.reason = static_cast<ResyncReason>(reason);
  m.epoch = id_of<core::Epoch>(g.epoch);
  m.head = id_of<core::Seq>(g.head);
  if (g.__isset.retry_after_ms) {
    if (g.retry_after_ms < 0) return fail(errc::invalid_message);
    m.retry_after = std::chrono::milliseconds{g.retry_after_ms};
  }
  if (g.__isset.thread) m.thread = id_of<core::ThreadId>(g.thread);
  return checked(std::move(m));
}

Result<SendRequest> from_thrift(gen::SendRequest&& g) {
  SendRequest m;
  IRIS_TRY_ASSIGN(m.client_id, client_id_of(g.client_id));
  m.thread = id_of<core::ThreadId>(g.thread);
  m.body = std::move(g.body);
  if (g.__isset.reply_to) m.reply_to = id_of<core::MessageId>(g.reply_to);
  if (g.__isset.attachments) IRIS_TRY_ASSIGN(m.attachments, attachments_of(std::move(g.attachments)));
  return checked(std::move(m));
}

Result<SendResult> from_thrift(gen::SendResult&& g) {
  SendResult m;
  IRIS_TRY_ASSIGN(m.client_id, client_id_of(g.client_id));
  m.thread = id_of<core::ThreadId>(g.thread);
  if (g.__isset.message) m.message = id_of<core::MessageId>(g.message);
  m.seq = id_of<core::Seq>(g.seq);
  m.time = time_of(g.time_ms);
  return checked(std::move(m));
}

Result<Error> from_thrift(gen::Error&& g) {
  Error m;
  if (g.__isset.client_id) IRIS_TRY_ASSIGN(m.client_id, client_id_of(g.client_id));
  const std::int32_t code = enum_value(g.code);
  if (code < 1 || code > static_cast<std::int32_t>(ErrorCode::not_accepted)) {
    return fail(errc::unknown_kind);
  }
  m.code = static_cast<ErrorCode>(code);
  m.text = std::move(g.text);
  if (g.__isset.retry_after_ms) {
    if (g.retry_after_ms < 0) return fail(errc::invalid_message);
    m.retry_after = std::chrono::milliseconds{g.retry_after_ms};
  }
  return checked(std::move(m));
}

Result<ReadRequest> from_thrift(gen::ReadRequest&& g) {
  return checked(ReadRequest{id_of<core::ThreadId>(g.thread), id_of<core::MessageId>(g.up_to)});
}

Result<CreateThreadRequest> from_thrift(gen::CreateThreadRequest&& g) {
  CreateThreadRequest m;
  IRIS_TRY_ASSIGN(m.client_id, client_id_of(g.client_id));
  m.name = std::move(g.name);
  m.participants = user_list(g.participants);
  return checked(std::move(m));
}

Result<RenameThreadRequest> from_thrift(gen::RenameThreadRequest&& g) {
  RenameThreadRequest m;
  IRIS_TRY_ASSIGN(m.client_id, client_id_of(g.client_id));
  m.thread = id_of<core::ThreadId>(g.thread);
  m.name = std::move(g.name);
  return checked(std::move(m));
}

Result<ChangeParticipantsRequest> from_thrift(gen::ChangeParticipantsRequest&& g) {
  ChangeParticipantsRequest m;
  IRIS_TRY_ASSIGN(m.client_id, client_id_of(g.client_id));
  m.thread = id_of<core::ThreadId>(g.thread);
  m.added = user_list(g.added);
  m.removed = user_list(g.removed);
  return checked(std::move(m));
}

Result<Ack> from_thrift(gen::Ack&& g) {
  return checked(Ack{id_of<core::Epoch>(g.epoch), id_of<core::Seq>(g.seq)});
}

Result<Heartbeat> from_thrift(gen::Heartbeat&& g) {
  return checked(Heartbeat{id_of<core::Epoch>(g.epoch), id_of<core::Seq>(g.head)});
}

Result<Typing> from_thrift(gen::Typing&& g) {
  return checked(Typing{id_of<core::ThreadId>(g.thread), id_of<core::UserId>(g.user), g.active});
}

Result<ThreadPage> from_thrift(gen::ThreadPage&& g) {
  ThreadPage m;
  m.thread = id_of<core::ThreadId>(g.thread);
  m.messages.reserve(g.messages.size());
  for (auto& gm : g.messages) {
    auto msg = from_thrift(std::move(gm));
    if (!msg) return fail(msg.error());
    m.messages.push_back(std::move(*msg));
  }
  m.more = g.more;
  return checked(std::move(m));
}

Result<MessageActionRequest> from_thrift(gen::MessageActionRequest&& g) {
  MessageActionRequest m;
  IRIS_TRY_ASSIGN(m.client_id, client_id_of(g.client_id));
  m.thread = id_of<core::ThreadId>(g.thread);
  m.message = id_of<core::MessageId>(g.message);
  const std::int32_t action = enum_value(g.action);
  if (action < 1 || action > static_cast<std::int32_t>(MessageAction::react)) {
    return fail(errc::unknown_kind);
  }
  m.action = static_cast<MessageAction>(action);
  m.text = std::move(g.text);
  return checked(std::move(m));
}

Result<Badge> from_thrift(gen::Badge&& g) {
  Badge m;
  IRIS_TRY_ASSIGN(m.unread, count_of(g.unread));
  IRIS_TRY_ASSIGN(m.unread_threads, count_of(g.unread_threads));
  m.epoch = id_of<core::Epoch>(g.epoch);
  m.seq = id_of<core::Seq>(g.seq);
  return checked(std::move(m));
}

Result<SocialRequest> from_thrift(gen::SocialRequest&& g) {
  SocialRequest m;
  IRIS_TRY_ASSIGN(m.client_id, client_id_of(g.client_id));
  const std::int32_t action = enum_value(g.action);
  if (action < 1 || action > static_cast<std::int32_t>(SocialAction::set_group_add)) {
    return fail(errc::unknown_kind);
  }
  m.action = static_cast<SocialAction>(action);
  m.user = id_of<core::UserId>(g.user);
  m.thread = id_of<core::ThreadId>(g.thread);
  IRIS_TRY_ASSIGN(m.group_add, social_enum<core::GroupAdd>(g.group_add, core::kMaxGroupAdd));
  return checked(std::move(m));
}

Result<ContactList> from_thrift(gen::ContactList&& g) {
  ContactList m;
  m.contacts = user_list(g.contacts);
  m.blocked = user_list(g.blocked);
  IRIS_TRY_ASSIGN(m.group_add, social_enum<core::GroupAdd>(g.group_add, core::kMaxGroupAdd));
  return checked(std::move(m));
}

namespace {
template <typename G>
Result<Message> as_message(G&& g) {
  auto m = from_thrift(std::forward<G>(g));
  if (!m) return fail(m.error());
  return Message{std::move(*m)};
}
}  // namespace

Result<Message> from_thrift(gen::Envelope&& g) {
  const auto& s = g.__isset;
  const bool set[] = {s.delta_batch,    s.snapshot,     s.resume_request,
                      s.resync,         s.send_request, s.send_result,
                      s.error,          s.read_request, s.create_thread_request,
                      s.rename_thread_request, s.change_participants_request, s.ack,
                      s.heartbeat,      s.typing,       s.thread_page,
                      s.message_action_request,         s.badge,
                      s.social_request,                 s.contact_list};
  static_assert(std::size(set) == std::variant_size_v<Message>);
  auto which = only_member(set);
  if (!which) return fail(which.error());
  switch (*which) {
    case 0: return as_message(std::move(g.delta_batch));
    case 1: return as_message(std::move(g.snapshot));
    case 2: return as_message(std::move(g.resume_request));
    case 3: return as_message(std::move(g.resync));
    case 4: return as_message(std::move(g.send_request));
    case 5: return as_message(std::move(g.send_result));
    case 6: return as_message(std::move(g.error));
    case 7: return as_message(std::move(g.read_request));
    case 8: return as_message(std::move(g.create_thread_request));
    case 9: return as_message(std::move(g.rename_thread_request));
    case 10: return as_message(std::move(g.change_participants_request));
    case 11: return as_message(std::move(g.ack));
    case 12: return as_message(std::move(g.heartbeat));
    case 13: return as_message(std::move(g.typing));
    case 14: return as_message(std::move(g.thread_page));
    case 15: return as_message(std::move(g.message_action_request));
    case 16: return as_message(std::move(g.badge));
    case 17: return as_message(std::move(g.social_request));
    default: return as_message(std::move(g.contact_list));
  }
}

}  // namespace iris::wire
