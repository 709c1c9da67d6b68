#include "store/detail/record_codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "store/errc.h"

namespace iris::store::detail {
namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::uint8_t kUpdateV2 = 2;  // MessageEdited and MessageDeleted since issue 21

void put_be64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
std::uint64_t get_be64(std::string_view in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[static_cast<std::size_t>(i)]);
  return v;
}
void put_fixed64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}
void put_str(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}
void put_users(std::string& out, const std::vector<core::UserId>& users) {
  put_varint(out, users.size());
  for (auto u : users) put_varint(out, u.value());
}

void put_attachments(std::string& out, const std::vector<core::Attachment>& list) {
  put_varint(out, list.size());
  for (const auto& a : list) {
    out.append(reinterpret_cast<const char*>(a.blob.bytes.data()), a.blob.bytes.size());
    put_str(out, a.content_type);
    put_varint(out, a.size);
    put_str(out, a.name);
    out.push_back(static_cast<char>((a.width ? 1 : 0) | (a.height ? 2 : 0)));
    if (a.width) put_varint(out, *a.width);
    if (a.height) put_varint(out, *a.height);
  }
}

// Bounds-checked reader over one value. Every getter returns false on truncation and
// leaves `ok_` false, so a decoder can read a whole record and check once.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }

  std::uint8_t u8() {
    if (in_.empty()) return fail<std::uint8_t>();
    const auto v = static_cast<std::uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  std::uint64_t fixed64() {
    if (in_.size() < 8) return fail<std::uint64_t>();
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(in_[static_cast<std::size_t>(i)]);
    in_.remove_prefix(8);
    return v;
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return fail<std::uint64_t>();
      const auto byte = static_cast<std::uint8_t>(in_[0]);
      in_.remove_prefix(1);
      if (shift == 63 && byte > 1) return fail<std::uint64_t>();  // overflows 64 bits
      // A zero last byte after the first is an over-long encoding: the writer never makes
      // one, so it is corruption (and keeps every value's encoding unique).
      if (byte == 0 && shift > 0) return fail<std::uint64_t>();
      v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return v;
    }
    return fail<std::uint64_t>();
  }
  std::string str() {
    const auto n = varint();
    if (!ok_ || n > in_.size()) return fail<std::string>();
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  std::vector<core::Attachment> attachments() {
    const auto n = varint();
    // An empty list is never written (no tail instead), and each attachment takes at least
    // 36 bytes: a count beyond that is corrupt, and the check bounds the allocation.
    if (!ok_ || n == 0 || n > in_.size() / 36) return fail<std::vector<core::Attachment>>();
    std::vector<core::Attachment> v(n);
    for (auto& a : v) {
      if (in_.size() < a.blob.bytes.size()) return fail<std::vector<core::Attachment>>();
      std::copy_n(in_.begin(), a.blob.bytes.size(), a.blob.bytes.begin());
      in_.remove_prefix(a.blob.bytes.size());
      a.content_type = str();
      a.size = varint();
      a.name = str();
      const auto dims = u8();
      if (dims > 3) return fail<std::vector<core::Attachment>>();
      if (dims & 1) a.width = narrow32(varint());
      if (dims & 2) a.height = narrow32(varint());
    }
    return v;
  }
  std::uint32_t narrow32(std::uint64_t v) {
    if (v > std::numeric_limits<std::uint32_t>::max()) return fail<std::uint32_t>();
    return static_cast<std::uint32_t>(v);
  }
  std::vector<core::UserId> users() {
    const auto n = varint();
    // Each user takes at least one byte: a count beyond the bytes left is corrupt, and this
    // check keeps a corrupt count from allocating.
    if (!ok_ || n > in_.size()) return fail<std::vector<core::UserId>>();
    std::vector<core::UserId> v;
    v.reserve(n);
    for (std::uint64_t i = 0; i < n && ok_; ++i) v.emplace_back(varint());
    return v;
  }

 private:
  template <typename T>
  T fail() {
    ok_ = false;
    in_ = {};
    return T{};
  }
  std::string_view in_;
  bool ok_ = true;
};

template <typename T>
Result<T> finish(const Reader& r, T value) {
  if (!r.done()) return fail(errc::corrupt_record);
  return value;
}

}  // namespace

std::string meta_key(core::UserId user) {
  std::string k(1, static_cast<char>(KeyType::meta));
  put_be64(k, user.value());
  return k;
}
std::string update_prefix(core::UserId user) {
  std::string k(1, static_cast<char>(KeyType::update));
  put_be64(k, user.value());
  return k;
}
std::string update_key(core::UserId user, core::Seq seq) {
  std::string k = update_prefix(user);
  put_be64(k, seq.value());
  return k;
}
std::string cursor_prefix(core::UserId user) {
  std::string k(1, static_cast<char>(KeyType::cursor));
  put_be64(k, user.value());
  return k;
}
std::string cursor_key(core::UserId user, const core::CursorName& name) {
  return cursor_prefix(user) + name.str();
}
std::string idempotency_key(const core::IdempotencyKey& key) {
  std::string k(1, static_cast<char>(KeyType::idempotency));
  put_be64(k, key.sender.value());
  put_be64(k, key.client_id.hi);
  put_be64(k, key.client_id.lo);
  return k;
}

core::UserId user_of_meta_key(std::string_view key) { return core::UserId{get_be64(key.substr(1, 8))}; }
core::Seq seq_of_update_key(std::string_view key) { return core::Seq{get_be64(key.substr(9, 8))}; }
std::string_view name_of_cursor_key(std::string_view key) { return key.substr(9); }

std::string describe_key(std::string_view key) {
  if (key.empty()) return "<empty key>";
  const char type = key[0];
  if ((type == 'M' && key.size() == 9) || (type == 'C' && key.size() > 9)) {
    std::string s = fmt::format("{}/{}", type, get_be64(key.substr(1, 8)));
    if (type == 'C') s += fmt::format("/{}", key.substr(9));
    return s;
  }
  if (type == 'U' && key.size() == 17) {
    return fmt::format("U/{}/{}", get_be64(key.substr(1, 8)), get_be64(key.substr(9, 8)));
  }
  if (type == 'I' && key.size() == 25) {
    return fmt::format("I/{}/{:016x}{:016x}", get_be64(key.substr(1, 8)),
                       get_be64(key.substr(9, 8)), get_be64(key.substr(17, 8)));
  }
  std::string hex;
  for (unsigned char c : key) hex += fmt::format("{:02x}", c);
  return "raw:" + hex;
}

void encode_meta(const Meta& meta, std::string& out) {
  out.push_back(static_cast<char>(kVersion));
  put_fixed64(out, meta.epoch.value());
  put_varint(out, meta.first.value());
  put_varint(out, meta.head.value());
}

Result<Meta> decode_meta(std::string_view value) {
  Reader r(value);
  if (r.u8() != kVersion) return fail(errc::corrupt_record);
  Meta m;
  m.epoch = core::Epoch{r.fixed64()};
  m.first = core::Seq{r.varint()};
  m.head = core::Seq{r.varint()};
  if (r.ok() && (m.first.value() == 0 || m.first.value() > m.head.value() + 1)) {
    return fail(errc::corrupt_record);
  }
  return finish(r, m);
}

// Update records of edits and deletes carry their issue 21 fields as version 2; every other
// record keeps version 1, byte for byte.
bool has_v2_layout(core::UpdateKind kind) {
  return kind == core::UpdateKind::message_edited || kind == core::UpdateKind::message_deleted;
}

void encode_update(const core::Update& u, std::string& out) {
  out.push_back(static_cast<char>(has_v2_layout(core::kind_of(u.body)) ? kUpdateV2 : kVersion));
  out.push_back(static_cast<char>(core::kind_of(u.body)));
  put_varint(out, zigzag(u.time.time_since_epoch().count()));
  put_varint(out, u.thread.value());
  put_varint(out, u.actor.value());
  std::visit(
      [&out](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, core::MessageCreated>) {
          put_varint(out, b.message.value());
          put_fixed64(out, b.client_id.hi);
          put_fixed64(out, b.client_id.lo);
          put_str(out, b.text);
          out.push_back(b.reply_to ? 1 : 0);
          if (b.reply_to) put_varint(out, b.reply_to->value());
          if (!b.attachments.empty()) put_attachments(out, b.attachments);
        } else if constexpr (std::is_same_v<T, core::MessageEdited>) {
          put_varint(out, b.message.value());
          put_str(out, b.text);
          put_varint(out, b.edit_count);
        } else if constexpr (std::is_same_v<T, core::MessageDeleted>) {
          put_varint(out, b.message.value());
          out.push_back(b.for_me ? 1 : 0);
        } else if constexpr (std::is_same_v<T, core::ReactionChanged>) {
          put_varint(out, b.message.value());
          put_str(out, b.reaction);
        } else if constexpr (std::is_same_v<T, core::ReadReceipt>) {
          put_varint(out, b.reader.value());
          put_varint(out, b.up_to.value());
        } else if constexpr (std::is_same_v<T, core::ThreadCreated>) {
          put_str(out, b.name);
          put_users(out, b.participants);
        } else if constexpr (std::is_same_v<T, core::ParticipantsChanged>) {
          put_users(out, b.added);
          put_users(out, b.removed);
        } else if constexpr (std::is_same_v<T, core::ContactChanged>) {
          put_varint(out, b.user.value());
          out.push_back(static_cast<char>(b.relation));
        } else if constexpr (std::is_same_v<T, core::FolderChanged>) {
          out.push_back(static_cast<char>(b.folder));
        } else if constexpr (std::is_same_v<T, core::SettingsChanged>) {
          out.push_back(static_cast<char>(b.group_add));
        } else {
          static_assert(std::is_same_v<T, core::ThreadRenamed>);
          put_str(out, b.name);
        }
      },
      u.body);
}

Result<core::Update> decode_update(std::string_view value, core::Seq seq) {
  Reader r(value);
  const auto version = r.u8();
  const auto kind = r.u8();
  if (!r.ok()) return fail(errc::corrupt_record);
  const bool v2 = version == kUpdateV2;
  if (version != kVersion && !(v2 && has_v2_layout(static_cast<core::UpdateKind>(kind)))) {
    return fail(errc::corrupt_record);
  }
  core::Update u;
  u.seq = seq;
  u.time = core::Timestamp{std::chrono::milliseconds{unzigzag(r.varint())}};
  u.thread = core::ThreadId{r.varint()};
  u.actor = core::UserId{r.varint()};
  switch (static_cast<core::UpdateKind>(kind)) {
    case core::UpdateKind::message_created: {
      core::MessageCreated b;
      b.message = core::MessageId{r.varint()};
      b.client_id.hi = r.fixed64();
      b.client_id.lo = r.fixed64();
      b.text = r.str();
      const auto has_reply = r.u8();
      if (has_reply > 1) return fail(errc::corrupt_record);
      if (has_reply) b.reply_to = core::MessageId{r.varint()};
      if (!r.done() && r.ok()) b.attachments = r.attachments();
      u.body = std::move(b);
      break;
    }
    case core::UpdateKind::message_edited: {
      core::MessageEdited b;
      b.message = core::MessageId{r.varint()};
      b.text = r.str();
      if (v2) {
        const auto n = r.varint();
        if (n > std::numeric_limits<std::uint32_t>::max()) return fail(errc::corrupt_record);
        b.edit_count = static_cast<std::uint32_t>(n);
      }
      u.body = std::move(b);
      break;
    }
    case core::UpdateKind::message_deleted: {
      core::MessageDeleted b{core::MessageId{r.varint()}};
      if (v2) {
        const auto for_me = r.u8();
        if (for_me > 1) return fail(errc::corrupt_record);  // one spelling per value
        b.for_me = for_me == 1;
      }
      u.body = b;
      break;
    }
    case core::UpdateKind::reaction_changed: {
      core::ReactionChanged b;
      b.message = core::MessageId{r.varint()};
      b.reaction = r.str();
      u.body = std::move(b);
      break;
    }
    case core::UpdateKind::read_receipt: {
      core::ReadReceipt b;
      b.reader = core::UserId{r.varint()};
      b.up_to = core::MessageId{r.varint()};
      u.body = b;
      break;
    }
    case core::UpdateKind::thread_created: {
      core::ThreadCreated b;
      b.name = r.str();
      b.participants = r.users();
      u.body = std::move(b);
      break;
    }
    case core::UpdateKind::participants_changed: {
      core::ParticipantsChanged b;
      b.added = r.users();
      b.removed = r.users();
      u.body = std::move(b);
      break;
    }
    case core::UpdateKind::thread_renamed:
      u.body = core::ThreadRenamed{r.str()};
      break;
    case core::UpdateKind::contact_changed: {
      const core::UserId user{r.varint()};
      const auto relation = r.u8();
      if (relation > core::kMaxRelation) return fail(errc::corrupt_record);
      u.body = core::ContactChanged{user, static_cast<core::Relation>(relation)};
      break;
    }
    case core::UpdateKind::folder_changed: {
      const auto folder = r.u8();
      if (folder > core::kMaxFolder) return fail(errc::corrupt_record);
      u.body = core::FolderChanged{static_cast<core::Folder>(folder)};
      break;
    }
    case core::UpdateKind::settings_changed: {
      const auto group_add = r.u8();
      if (group_add > core::kMaxGroupAdd) return fail(errc::corrupt_record);
      u.body = core::SettingsChanged{static_cast<core::GroupAdd>(group_add)};
      break;
    }
    default:
      return fail(errc::corrupt_record);
  }
  return finish(r, std::move(u));
}

void encode_attachments(const std::vector<core::Attachment>& list, std::string& out) {
  if (!list.empty()) put_attachments(out, list);
}

Result<std::vector<core::Attachment>> decode_attachments(std::string_view value) {
  if (value.empty()) return std::vector<core::Attachment>{};
  Reader r(value);
  auto list = r.attachments();
  return finish(r, std::move(list));
}

void encode_reactions(const std::vector<core::Reaction>& list, std::string& out) {
  if (list.empty()) return;
  put_varint(out, list.size());
  for (const auto& x : list) {
    put_varint(out, x.user.value());
    put_str(out, x.reaction);
  }
}

Result<std::vector<core::Reaction>> decode_reactions(std::string_view value) {
  if (value.empty()) return std::vector<core::Reaction>{};
  Reader r(value);
  const auto n = r.varint();
  // Each reaction takes at least two bytes: a larger count is corrupt and must not allocate.
  if (!r.ok() || n == 0 || n > value.size() / 2) return fail(errc::corrupt_record);
  std::vector<core::Reaction> list;
  list.reserve(n);
  for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
    core::UserId user{r.varint()};
    std::string reaction = r.str();
    // One per user, in increasing user order: anything else was not written by encode_reactions.
    if (r.ok() && (reaction.empty() || (!list.empty() && !(list.back().user < user)))) {
      return fail(errc::corrupt_record);
    }
    list.push_back(core::Reaction{user, std::move(reaction)});
  }
  return finish(r, std::move(list));
}

void encode_seq(core::Seq seq, std::string& out) { put_fixed64(out, seq.value()); }

Result<core::Seq> decode_seq(std::string_view value) {
  Reader r(value);
  const core::Seq seq{r.fixed64()};
  return finish(r, seq);
}

void encode_idempotency(const core::IdempotencyRecord& record, std::string& out) {
  out.push_back(static_cast<char>(kVersion));
  put_varint(out, zigzag(record.time.time_since_epoch().count()));
  put_varint(out, record.positions.size());
  for (const auto& p : record.positions) {
    put_varint(out, p.user.value());
    put_varint(out, p.seq.value());
  }
}

Result<core::IdempotencyRecord> decode_idempotency(std::string_view value) {
  Reader r(value);
  if (r.u8() != kVersion) return fail(errc::corrupt_record);
  core::IdempotencyRecord rec;
  rec.time = core::Timestamp{std::chrono::milliseconds{unzigzag(r.varint())}};
  const auto n = r.varint();
  if (!r.ok() || n > value.size()) return fail(errc::corrupt_record);
  for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
    const core::UserId user{r.varint()};
    const core::Seq seq{r.varint()};
    rec.positions.push_back({user, seq});
  }
  return finish(r, std::move(rec));
}

}  // namespace iris::store::detail
