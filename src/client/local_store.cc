#include "client/local_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "base/log.h"
#include "client/errc.h"
#include "sqlite/database.h"
#include "wire/codec.h"

namespace iris::client {

using Db = sqlite::Database;
using Stmt = sqlite::Statement;

namespace {

constexpr int kSchemaVersion = 2;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS threads(id INTEGER PRIMARY KEY, name TEXT NOT NULL,
  participants TEXT NOT NULL, unread INTEGER NOT NULL DEFAULT 0, last_ms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS messages(id INTEGER PRIMARY KEY, thread INTEGER NOT NULL,
  sender INTEGER NOT NULL, time_ms INTEGER NOT NULL, text TEXT NOT NULL, client_id TEXT,
  reply_to INTEGER, ord_major INTEGER NOT NULL, ord_minor INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS messages_by_thread ON messages(thread, ord_major, ord_minor);
CREATE TABLE IF NOT EXISTS watermarks(thread INTEGER NOT NULL, reader INTEGER NOT NULL,
  up_to INTEGER NOT NULL, PRIMARY KEY(thread, reader));
CREATE TABLE IF NOT EXISTS reactions(message INTEGER NOT NULL, user INTEGER NOT NULL,
  reaction TEXT NOT NULL, PRIMARY KEY(message, user));
CREATE TABLE IF NOT EXISTS edits(message INTEGER PRIMARY KEY, count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox(n INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL UNIQUE,
  kind INTEGER NOT NULL, thread INTEGER NOT NULL, text TEXT NOT NULL, participants TEXT NOT NULL,
  created_ms INTEGER NOT NULL, acked_seq INTEGER, request BLOB);
CREATE TABLE IF NOT EXISTS attachments(message INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS relations(user INTEGER PRIMARY KEY, relation INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS folders(thread INTEGER PRIMARY KEY, folder INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS thread_floors(thread INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
)sql";

// Attachments are stored as the wire encoding of a SendRequest that carries them: the one
// codec the SDK already trusts with them, skipping fields it does not know.
std::string encode_attachments(const std::vector<core::Attachment>& list) {
  wire::SendRequest carrier;
  carrier.attachments = list;
  return wire::encode(wire::Message{std::move(carrier)});
}

std::vector<core::Attachment> decode_attachments(std::string_view bytes) {
  auto m = wire::decode<wire::Message>(bytes);
  if (!m) return {};
  auto* carrier = std::get_if<wire::SendRequest>(&*m);
  return carrier ? std::move(carrier->attachments) : std::vector<core::Attachment>{};
}

std::string join_ids(const std::vector<core::UserId>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id.value());
  }
  return out;
}

std::vector<core::UserId> split_ids(std::string_view s) {
  std::vector<core::UserId> out;
  while (!s.empty()) {
    auto comma = s.find(',');
    auto part = s.substr(0, comma);
    std::uint64_t v = 0;
    std::from_chars(part.data(), part.data() + part.size(), v);
    out.emplace_back(v);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

std::int64_t ms(core::Timestamp t) { return t.time_since_epoch().count(); }
core::Timestamp from_ms(std::int64_t v) { return core::Timestamp(std::chrono::milliseconds(v)); }

}  // namespace

struct LocalStore::Impl {
  explicit Impl(Db d) : db(std::move(d)) {}
  Db db;
  Stmt begin, commit, rollback, set_meta, get_meta;
  Stmt insert_message, delete_message, edit_message, put_watermark;
  Stmt upsert_thread, rename_thread, set_participants, bump_thread, ensure_thread;
  Stmt set_unread, count_unread_all, count_unread_after, message_ord;
  Stmt outbox_echo, outbox_echo_seq, outbox_insert, outbox_ack, outbox_delete, outbox_all;
  Stmt threads_all, thread_one, messages_latest, messages_before, pending_for_thread;
  Stmt watermarks_of, count_messages, min_ord;
  Stmt put_reaction, drop_reaction, drop_reactions, put_edits, drop_edits, reactions_of, edits_of;
  Stmt put_attachments, drop_attachments, attachments_of;
  Stmt put_floor, drop_floors_upto;
  // thread_floors, in memory: a thread replaced as of a seq the position has not passed yet
  // (replace_thread); the stream's updates of it up to that seq are skipped.
  std::map<std::uint64_t, std::uint64_t> floors;
};

LocalStore::LocalStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LocalStore::~LocalStore() = default;

Result<std::unique_ptr<LocalStore>> LocalStore::open(const std::string& path,
                                                     LocalStoreOptions options) {
  sqlite::OpenOptions open_options;
  open_options.log_component = "client.store";
  open_options.error = make_error_code(errc::store);
  auto db = Db::open(path, open_options);
  if (!db) return fail(db.error());
  // WAL + synchronous=NORMAL: a transaction is atomic across a process crash (a power
  // loss may drop the last commits, never half of one).
  if (auto r = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !r)
    return fail(r.error());
  std::int64_t version = 0;
  {
    auto v = db->prepare("PRAGMA user_version");
    if (auto row = v.step(); row && *row) version = v.i64(0);
  }
  if (version > kSchemaVersion) {
    IRIS_LOG(error, "client", "local store {} has schema version {}, this SDK reads up to {}: "
             "refusing to open it", path, version, kSchemaVersion);
    return fail(errc::store);
  }
  if (auto r = db->exec(kSchema); !r) return fail(r.error());
  if (version == 1) {
    // Version 1's outbox had no request column; its rows (sends, thread creations) need none.
    if (auto r = db->exec("ALTER TABLE outbox ADD COLUMN request BLOB"); !r) return fail(r.error());
  }
  if (auto r = db->exec(fmt::format("PRAGMA user_version={}", kSchemaVersion)); !r)
    return fail(r.error());

  auto impl = std::make_unique<Impl>(std::move(*db));
  auto& d = impl->db;
  Impl& i = *impl;
  i.begin = d.prepare("BEGIN IMMEDIATE");
  i.commit = d.prepare("COMMIT");
  i.rollback = d.prepare("ROLLBACK");
  i.set_meta = d.prepare("INSERT INTO meta(key, value) VALUES(?1, ?2) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  i.get_meta = d.prepare("SELECT value FROM meta WHERE key = ?1");
  i.insert_message = d.prepare(
      "INSERT OR REPLACE INTO messages(id, thread, sender, time_ms, text, client_id, reply_to, "
      "ord_major, ord_minor) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  i.delete_message = d.prepare("DELETE FROM messages WHERE id = ?1");
  i.edit_message = d.prepare("UPDATE messages SET text = ?2 WHERE id = ?1");
  // Edit counts and reactions (protocol version 5) live beside the messages: tables a store
  // of an older SDK gains on open, so no migration of `messages` is needed.
  i.put_edits = d.prepare("INSERT INTO edits(message, count) VALUES(?1, ?2) "
                          "ON CONFLICT(message) DO UPDATE SET count = max(count + 1, excluded.count)");
  i.drop_edits = d.prepare("DELETE FROM edits WHERE message = ?1");
  i.put_reaction = d.prepare("INSERT OR REPLACE INTO reactions(message, user, reaction) VALUES(?1, ?2, ?3)");
  i.drop_reaction = d.prepare("DELETE FROM reactions WHERE message = ?1 AND user = ?2");
  i.drop_reactions = d.prepare("DELETE FROM reactions WHERE message = ?1");
  i.reactions_of = d.prepare("SELECT user, reaction FROM reactions WHERE message = ?1 ORDER BY user");
  i.edits_of = d.prepare("SELECT count FROM edits WHERE message = ?1");
  i.put_attachments = d.prepare("INSERT OR REPLACE INTO attachments(message, data) VALUES(?1, ?2)");
  i.drop_attachments = d.prepare("DELETE FROM attachments WHERE message = ?1");
  i.attachments_of = d.prepare("SELECT data FROM attachments WHERE message = ?1");
  i.put_watermark = d.prepare(
      "INSERT INTO watermarks(thread, reader, up_to) VALUES(?1, ?2, ?3) "
      "ON CONFLICT(thread, reader) DO UPDATE SET up_to = excluded.up_to");
  i.upsert_thread = d.prepare(
      "INSERT INTO threads(id, name, participants, unread, last_ms) VALUES(?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT(id) DO UPDATE SET name = excluded.name, participants = excluded.participants, "
      "unread = excluded.unread, last_ms = excluded.last_ms");
  i.ensure_thread = d.prepare(
      "INSERT OR IGNORE INTO threads(id, name, participants, unread, last_ms) "
      "VALUES(?1, '', '', 0, ?2)");
  i.rename_thread = d.prepare("UPDATE threads SET name = ?2 WHERE id = ?1");
  i.set_participants = d.prepare("UPDATE threads SET participants = ?2 WHERE id = ?1");
  i.bump_thread = d.prepare(
      "UPDATE threads SET last_ms = max(last_ms, ?2), unread = unread + ?3 WHERE id = ?1");
  i.set_unread = d.prepare("UPDATE threads SET unread = ?2 WHERE id = ?1");
  i.count_unread_all = d.prepare(
      "SELECT count(*) FROM messages WHERE thread = ?1 AND sender != ?2");
  i.count_unread_after = d.prepare(
      "SELECT count(*) FROM messages WHERE thread = ?1 AND sender != ?2 AND "
      "(ord_major, ord_minor) > (?3, ?4)");
  i.message_ord = d.prepare("SELECT ord_major, ord_minor FROM messages WHERE id = ?1");
  i.outbox_echo = d.prepare("DELETE FROM outbox WHERE client_id = ?1");
  i.outbox_echo_seq = d.prepare(
      "DELETE FROM outbox WHERE acked_seq IS NOT NULL AND acked_seq <= ?1");
  i.outbox_insert = d.prepare(
      "INSERT OR IGNORE INTO outbox(client_id, kind, thread, text, participants, created_ms, request) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  i.outbox_ack = d.prepare("UPDATE outbox SET acked_seq = ?2 WHERE client_id = ?1");
  i.outbox_delete = d.prepare("DELETE FROM outbox WHERE client_id = ?1");
  i.outbox_all = d.prepare(
      "SELECT client_id, kind, thread, text, participants, created_ms, acked_seq, request FROM outbox "
      "ORDER BY n");
  i.threads_all = d.prepare(
      "SELECT id, name, participants, unread, last_ms, (SELECT folder FROM folders WHERE thread = id) "
      "FROM threads ORDER BY last_ms DESC, id");
  i.thread_one = d.prepare(
      "SELECT id, name, participants, unread, last_ms, (SELECT folder FROM folders WHERE thread = id) "
      "FROM threads WHERE id = ?1");
  i.messages_latest = d.prepare(
      "SELECT id, thread, sender, time_ms, text, client_id, reply_to FROM messages "
      "WHERE thread = ?1 ORDER BY ord_major DESC, ord_minor DESC LIMIT ?2");
  i.messages_before = d.prepare(
      "SELECT id, thread, sender, time_ms, text, client_id, reply_to FROM messages "
      "WHERE thread = ?1 AND (ord_major, ord_minor) < (SELECT ord_major, ord_minor FROM messages "
      "WHERE id = ?3) ORDER BY ord_major DESC, ord_minor DESC LIMIT ?2");
  i.pending_for_thread = d.prepare(
      "SELECT client_id, text, created_ms FROM outbox WHERE kind = 1 AND thread = ?1 ORDER BY n");
  i.watermarks_of = d.prepare("SELECT reader, up_to FROM watermarks WHERE thread = ?1");
  i.count_messages = d.prepare("SELECT count(*) FROM messages");
  i.min_ord = d.prepare(
      "SELECT ord_major, ord_minor FROM messages WHERE thread = ?1 "
      "ORDER BY ord_major, ord_minor LIMIT 1");
  i.put_floor = d.prepare("INSERT OR REPLACE INTO thread_floors(thread, seq) VALUES(?1, ?2)");
  i.drop_floors_upto = d.prepare("DELETE FROM thread_floors WHERE seq <= ?1");
  {
    auto floors = d.prepare("SELECT thread, seq FROM thread_floors");
    while (true) {
      auto row = floors.step();
      if (!row) return fail(row.error());
      if (!*row) break;
      i.floors[floors.u64(0)] = floors.u64(1);
    }
  }

  std::unique_ptr<LocalStore> store(new LocalStore(std::move(impl)));
  store->options_ = std::move(options);
  auto meta = [&](std::string_view key) -> std::uint64_t {
    Stmt& s = store->impl_->get_meta;
    s.bind(1, key);
    std::uint64_t v = 0;
    if (auto row = s.step(); row && *row) v = s.u64(0);
    s.reset();
    return v;
  };
  store->position_ = Position{core::Epoch{meta("epoch")}, core::Seq{meta("seq")}};
  store->self_ = core::UserId{meta("self")};
  return store;
}

Result<void> LocalStore::write_step(int& step) {
  if (options_.fail_write && options_.fail_write(step++)) return fail(errc::store);
  return {};
}

Result<void> LocalStore::set_self(core::UserId user) {
  if (auto r = impl_->set_meta.bind(1, "self").bind_u64(2, user.value()).run(); !r) return r;
  self_ = user;
  return {};
}

Result<void> LocalStore::set_position(Position p, int& step) {
  if (!impl_->floors.empty()) {
    if (auto r = write_step(step); !r) return r;
    if (auto r = impl_->drop_floors_upto.bind_u64(1, p.seq.value()).run(); !r) return r;
  }
  if (auto r = write_step(step); !r) return r;
  if (auto r = impl_->set_meta.bind(1, "epoch").bind_u64(2, p.epoch.value()).run(); !r) return r;
  if (auto r = write_step(step); !r) return r;
  return impl_->set_meta.bind(1, "seq").bind_u64(2, p.seq.value()).run();
}

Result<void> LocalStore::recount_unread(core::ThreadId thread, int& step) {
  Impl& i = *impl_;
  std::optional<core::MessageId> up_to;
  i.watermarks_of.bind_u64(1, thread.value());
  while (true) {
    auto row = i.watermarks_of.step();
    if (!row) return fail(row.error());
    if (!*row) break;
    if (i.watermarks_of.u64(0) == self_.value()) up_to = core::MessageId{i.watermarks_of.u64(1)};
  }
  i.watermarks_of.reset();
  std::optional<std::pair<std::int64_t, std::int64_t>> ord;
  if (up_to) {
    i.message_ord.bind_u64(1, up_to->value());
    auto row = i.message_ord.step();
    if (row && *row) ord.emplace(i.message_ord.i64(0), i.message_ord.i64(1));
    i.message_ord.reset();
  }
  Stmt& count = ord ? i.count_unread_after : i.count_unread_all;
  count.bind_u64(1, thread.value()).bind_u64(2, self_.value());
  if (ord) count.bind(3, ord->first).bind(4, ord->second);
  auto row = count.step();
  std::int64_t n = (row && *row) ? count.i64(0) : 0;
  count.reset();
  if (!row) return fail(row.error());
  if (auto r = write_step(step); !r) return r;
  return i.set_unread.bind_u64(1, thread.value()).bind(2, n).run();
}

Result<void> LocalStore::put_attachments(core::MessageId message,
                                         const std::vector<core::Attachment>& list, int& step) {
  if (auto r = write_step(step); !r) return r;
  if (list.empty()) return impl_->drop_attachments.bind_u64(1, message.value()).run();
  return impl_->put_attachments.bind_u64(1, message.value()).bind_blob(2, encode_attachments(list)).run();
}

wire::Message OutboxEntry::request() const {
  switch (kind) {
    case OutboxKind::create_thread: return wire::CreateThreadRequest{client_id, text, participants};
    case OutboxKind::action: return wire::MessageActionRequest{client_id, thread, message, action, text};
    case OutboxKind::social: return wire::SocialRequest{client_id, social_action, user, thread, group_add};
    case OutboxKind::send: break;
  }
  return wire::SendRequest{client_id, thread, text, std::nullopt, attachments};
}

Result<void> LocalStore::apply_social(const core::Update& u, int& step) {
  Impl& i = *impl_;
  if (auto r = write_step(step); !r) return r;
  if (const auto* c = std::get_if<core::ContactChanged>(&u.body)) {
    if (c->relation == core::Relation::none) {
      return i.db.prepare("DELETE FROM relations WHERE user = ?1").bind_u64(1, c->user.value()).run();
    }
    return i.db.prepare("INSERT OR REPLACE INTO relations(user, relation) VALUES(?1, ?2)")
        .bind_u64(1, c->user.value()).bind(2, static_cast<std::int64_t>(c->relation)).run();
  }
  if (const auto* f = std::get_if<core::FolderChanged>(&u.body)) {
    if (f->folder == core::Folder::inbox) {
      return i.db.prepare("DELETE FROM folders WHERE thread = ?1").bind_u64(1, u.thread.value()).run();
    }
    return i.db.prepare("INSERT OR REPLACE INTO folders(thread, folder) VALUES(?1, ?2)")
        .bind_u64(1, u.thread.value()).bind(2, static_cast<std::int64_t>(f->folder)).run();
  }
  const auto& s = std::get<core::SettingsChanged>(u.body);
  return i.set_meta.bind(1, "group_add").bind(2, static_cast<std::int64_t>(s.group_add)).run();
}

Result<StoredSocial> LocalStore::social() const {
  Impl& i = *impl_;
  StoredSocial out;
  auto q = i.db.prepare("SELECT user, relation FROM relations");
  while (true) {
    auto row = q.step();
    if (!row) return fail(row.error());
    if (!*row) break;
    (q.i64(1) == static_cast<std::int64_t>(core::Relation::blocked) ? out.blocked : out.contacts)
        .push_back(core::UserId{q.u64(0)});
  }
  std::sort(out.contacts.begin(), out.contacts.end());
  std::sort(out.blocked.begin(), out.blocked.end());
  auto g = i.db.prepare("SELECT value FROM meta WHERE key = 'group_add'");
  auto row = g.step();
  if (!row) return fail(row.error());
  if (*row && g.i64(0) > 0 && g.i64(0) <= core::kMaxGroupAdd) out.group_add = static_cast<core::GroupAdd>(g.i64(0));
  return out;
}

Result<void> LocalStore::apply_update(const core::Update& u, int& step) {
  Impl& i = *impl_;
  const auto thread = u.thread.value();
  // The user's own social state: no thread entry (thread 0 names none).
  if (core::is_social(core::kind_of(u.body))) return apply_social(u, step);
  // Already in the thread's state that replace_thread stored.
  if (auto f = i.floors.find(thread); f != i.floors.end() && u.seq.value() <= f->second) return {};
  // A thread started by, or an add of this user by, someone who is not its contact lands in
  // requests: the server records the same (docs/PROTOCOL.md "Contacts, blocks and folders")
  // and sends no update for it.
  const auto* created = std::get_if<core::ThreadCreated>(&u.body);
  const auto* changed = std::get_if<core::ParticipantsChanged>(&u.body);
  const bool arrived = u.actor != self_ && self_.value() != 0 &&
                       ((created && std::find(created->participants.begin(), created->participants.end(), self_) !=
                                        created->participants.end()) ||
                        (changed && std::find(changed->added.begin(), changed->added.end(), self_) != changed->added.end()));
  if (arrived) {
    auto q = i.db.prepare("SELECT relation FROM relations WHERE user = ?1");
    q.bind_u64(1, u.actor.value());
    auto row = q.step();
    if (!row) return fail(row.error());
    const bool contact = *row && q.i64(0) == static_cast<std::int64_t>(core::Relation::contact);
    q.reset();
    if (!contact) {
      if (auto r = apply_social(core::Update{u.seq, u.time, u.thread, u.actor, core::FolderChanged{core::Folder::requests}}, step); !r)
        return r;
    }
  }
  if (auto r = write_step(step); !r) return r;
  // Updates of a thread this device has no entry for (it joined later, or the snapshot
  // predates it) still land somewhere visible.
  if (auto r = i.ensure_thread.bind_u64(1, thread).bind(2, ms(u.time)).run(); !r) return r;
  return std::visit(
      [&](const auto& body) -> Result<void> {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, core::MessageCreated>) {
          if (auto r = write_step(step); !r) return r;
          Stmt& s = i.insert_message;
          s.bind_u64(1, body.message.value()).bind_u64(2, thread).bind_u64(3, u.actor.value());
          s.bind(4, ms(u.time)).bind(5, body.text).bind(6, body.client_id.to_hex());
          if (body.reply_to) s.bind_u64(7, body.reply_to->value()); else s.bind_null(7);
          s.bind_u64(8, u.seq.value()).bind(9, std::int64_t{0});
          if (auto r = s.run(); !r) return r;
          if (auto r = put_attachments(body.message, body.attachments, step); !r) return r;
          if (body.edit_count != 0) {  // edits folded into it by the server's catch-up
            if (auto r = write_step(step); !r) return r;
            if (auto r = i.put_edits.bind_u64(1, body.message.value())
                             .bind(2, static_cast<std::int64_t>(body.edit_count)).run();
                !r)
              return r;
          }
          if (u.actor == self_) {
            // The echo of our own send: the pending entry goes in this same transaction.
            if (auto r = write_step(step); !r) return r;
            if (auto r = i.outbox_echo.bind(1, body.client_id.to_hex()).run(); !r) return r;
          }
          if (auto r = write_step(step); !r) return r;
          return i.bump_thread.bind_u64(1, thread).bind(2, ms(u.time))
              .bind(3, std::int64_t{u.actor == self_ ? 0 : 1}).run();
        } else if constexpr (std::is_same_v<T, core::MessageEdited>) {
          if (auto r = write_step(step); !r) return r;
          if (auto r = i.edit_message.bind_u64(1, body.message.value()).bind(2, body.text).run(); !r) return r;
          if (auto r = write_step(step); !r) return r;
          return i.put_edits.bind_u64(1, body.message.value())
              .bind(2, std::max<std::int64_t>(1, body.edit_count)).run();
        } else if constexpr (std::is_same_v<T, core::MessageDeleted>) {
          if (auto r = write_step(step); !r) return r;
          if (auto r = i.delete_message.bind_u64(1, body.message.value()).run(); !r) return r;
          if (auto r = write_step(step); !r) return r;
          if (auto r = i.drop_reactions.bind_u64(1, body.message.value()).run(); !r) return r;
          if (auto r = write_step(step); !r) return r;
          if (auto r = i.drop_edits.bind_u64(1, body.message.value()).run(); !r) return r;
          if (auto r = write_step(step); !r) return r;
          if (auto r = i.drop_attachments.bind_u64(1, body.message.value()).run(); !r) return r;
          return recount_unread(u.thread, step);
        } else if constexpr (std::is_same_v<T, core::ReactionChanged>) {
          if (auto r = write_step(step); !r) return r;
          if (body.reaction.empty()) {
            return i.drop_reaction.bind_u64(1, body.message.value()).bind_u64(2, u.actor.value()).run();
          }
          return i.put_reaction.bind_u64(1, body.message.value()).bind_u64(2, u.actor.value())
              .bind(3, body.reaction).run();
        } else if constexpr (std::is_same_v<T, core::ReadReceipt>) {
          if (auto r = write_step(step); !r) return r;
          if (auto r = i.put_watermark.bind_u64(1, thread).bind_u64(2, body.reader.value())
                           .bind_u64(3, body.up_to.value()).run();
              !r)
            return r;
          if (body.reader == self_) return recount_unread(u.thread, step);
          return {};
        } else if constexpr (std::is_same_v<T, core::ThreadCreated>) {
          if (auto r = write_step(step); !r) return r;
          return i.upsert_thread.bind_u64(1, thread).bind(2, body.name)
              .bind(3, join_ids(body.participants)).bind(4, std::int64_t{0}).bind(5, ms(u.time))
              .run();
        } else if constexpr (std::is_same_v<T, core::ParticipantsChanged>) {
          auto t = this->thread(u.thread);
          if (!t) return fail(t.error());
          std::vector<core::UserId> ps = *t ? (*t)->participants : std::vector<core::UserId>{};
          for (const auto& r : body.removed) std::erase(ps, r);
          for (const auto& a : body.added)
            if (std::find(ps.begin(), ps.end(), a) == ps.end()) ps.push_back(a);
          if (auto r = write_step(step); !r) return r;
          return i.set_participants.bind_u64(1, thread).bind(2, join_ids(ps)).run();
        } else if constexpr (std::is_same_v<T, core::ContactChanged> || std::is_same_v<T, core::FolderChanged> ||
                             std::is_same_v<T, core::SettingsChanged>) {
          return {};  // apply_social, above
        } else {
          static_assert(std::is_same_v<T, core::ThreadRenamed>);
          if (auto r = write_step(step); !r) return r;
          return i.rename_thread.bind_u64(1, thread).bind(2, body.name).run();
        }
      },
      u.body);
}

Result<void> LocalStore::apply_batch(const wire::DeltaBatch& batch,
                                     std::optional<core::ThreadId> skip_thread) {
  Impl& i = *impl_;
  if (auto r = i.begin.run(); !r) return r;
  int step = 0;
  auto body = [&]() -> Result<void> {
    for (const auto& u : batch.updates) {
      if (skip_thread && u.thread == *skip_thread) continue;
      if (auto r = apply_update(u, step); !r) return r;
    }
    // A send whose echo was folded away (created and deleted in one catch-up) is still
    // done once the batch passes the seq its SendResult named.
    if (auto r = write_step(step); !r) return r;
    if (auto r = i.outbox_echo_seq.bind_u64(1, batch.last_seq.value()).run(); !r) return r;
    return set_position(Position{batch.epoch, batch.last_seq}, step);
  };
  if (auto r = body(); !r) {
    i.rollback.run();
    return r;
  }
  if (auto r = i.commit.run(); !r) {
    i.rollback.run();
    return r;
  }
  position_ = Position{batch.epoch, batch.last_seq};
  std::erase_if(i.floors, [&](const auto& f) { return f.second <= batch.last_seq.value(); });
  return {};
}

Result<void> LocalStore::put_thread_state(const wire::ThreadState& t, core::Seq as_of, int& step) {
  Impl& i = *impl_;
  const auto id = t.thread.value();
  std::int64_t last = 0;
  for (const auto& m : t.latest_messages) last = std::max(last, ms(m.time));
  if (auto r = write_step(step); !r) return r;
  if (auto r = i.upsert_thread.bind_u64(1, id).bind(2, t.name).bind(3, join_ids(t.participants))
                   .bind(4, std::int64_t{t.unread_count}).bind(5, last).run();
      !r)
    return r;
  std::int64_t index = 0;
  for (const auto& m : t.latest_messages) {
    if (auto r = write_step(step); !r) return r;
    Stmt& s = i.insert_message;
    s.bind_u64(1, m.message.value()).bind_u64(2, id).bind_u64(3, m.sender.value());
    s.bind(4, ms(m.time)).bind(5, m.text).bind_null(6);
    if (m.reply_to) s.bind_u64(7, m.reply_to->value()); else s.bind_null(7);
    s.bind_u64(8, as_of.value()).bind(9, index++);
    if (auto r = s.run(); !r) return r;
    if (auto r = put_attachments(m.message, m.attachments, step); !r) return r;
    // Its edit count and reactions as the snapshot has them (version 5), replacing any kept.
    if (auto r = write_step(step); !r) return r;
    if (auto r = i.drop_edits.bind_u64(1, m.message.value()).run(); !r) return r;
    if (auto r = write_step(step); !r) return r;
    if (auto r = i.drop_reactions.bind_u64(1, m.message.value()).run(); !r) return r;
    if (m.edit_count != 0) {
      if (auto r = write_step(step); !r) return r;
      if (auto r = i.put_edits.bind_u64(1, m.message.value()).bind(2, std::int64_t{m.edit_count}).run(); !r)
        return r;
    }
    for (const auto& rx : m.reactions) {
      if (auto r = write_step(step); !r) return r;
      if (auto r = i.put_reaction.bind_u64(1, m.message.value()).bind_u64(2, rx.user.value())
                       .bind(3, rx.reaction).run();
          !r)
        return r;
    }
  }
  for (const auto& w : t.read_watermarks) {
    if (auto r = write_step(step); !r) return r;
    if (auto r = i.put_watermark.bind_u64(1, id).bind_u64(2, w.reader.value())
                     .bind_u64(3, w.up_to.value()).run();
        !r)
      return r;
  }
  return {};
}

Result<void> LocalStore::apply_snapshot(const wire::Snapshot& snapshot) {
  Impl& i = *impl_;
  if (auto r = i.begin.run(); !r) return r;
  int step = 0;
  auto body = [&]() -> Result<void> {
    if (auto r = write_step(step); !r) return r;
    if (auto r = i.db.exec("DELETE FROM messages; DELETE FROM threads; DELETE FROM watermarks; "
                           "DELETE FROM edits; DELETE FROM reactions; DELETE FROM attachments; "
                           "DELETE FROM relations; DELETE FROM folders; DELETE FROM thread_floors;");
        !r)
      return r;
    for (const auto& t : snapshot.threads)
      if (auto r = put_thread_state(t, snapshot.seq, step); !r) return r;
    // The social state (protocol version 6), as absolute values: the same rows the updates
    // after the snapshot's seq would write.
    for (const auto& t : snapshot.threads) {
      if (t.folder == core::Folder::inbox) continue;
      if (auto r = apply_social(core::Update{snapshot.seq, {}, t.thread, {}, core::FolderChanged{t.folder}}, step); !r) return r;
    }
    for (const auto& [list, relation] : {std::pair{&snapshot.contacts, core::Relation::contact},
                                         std::pair{&snapshot.blocked, core::Relation::blocked}}) {
      for (auto user : *list) {
        if (auto r = apply_social(core::Update{snapshot.seq, {}, {}, {}, core::ContactChanged{user, relation}}, step); !r) return r;
      }
    }
    if (auto r = apply_social(core::Update{snapshot.seq, {}, {}, {}, core::SettingsChanged{snapshot.group_add}}, step); !r) return r;
    if (auto r = write_step(step); !r) return r;
    if (auto r = i.outbox_echo_seq.bind_u64(1, snapshot.seq.value()).run(); !r) return r;
    return set_position(Position{snapshot.epoch, snapshot.seq}, step);
  };
  if (auto r = body(); !r) {
    i.rollback.run();
    return r;
  }
  if (auto r = i.commit.run(); !r) {
    i.rollback.run();
    return r;
  }
  position_ = Position{snapshot.epoch, snapshot.seq};
  i.floors.clear();  // every thread is as of the snapshot now
  return {};
}

Result<void> LocalStore::replace_thread(const wire::ThreadState& state, core::Seq as_of) {
  Impl& i = *impl_;
  if (auto r = i.begin.run(); !r) return r;
  int step = 0;
  auto body = [&]() -> Result<void> {
    auto id = state.thread.value();
    if (auto r = i.db.exec(fmt::format("DELETE FROM messages WHERE thread = {0}; "
                                       "DELETE FROM watermarks WHERE thread = {0};",
                                       static_cast<std::int64_t>(id)));
        !r)
      return r;
    if (auto r = put_thread_state(state, as_of, step); !r) return r;
    if (as_of <= position_.seq) return {};
    return i.put_floor.bind_u64(1, id).bind_u64(2, as_of.value()).run();
  };
  if (auto r = body(); !r) {
    i.rollback.run();
    return r;
  }
  if (auto r = i.commit.run(); !r) {
    i.rollback.run();
    return r;
  }
  if (as_of > position_.seq) i.floors[state.thread.value()] = as_of.value();
  return {};
}

Result<void> LocalStore::drop_thread(core::ThreadId thread) {
  return impl_->db.exec(fmt::format(
      "BEGIN; DELETE FROM messages WHERE thread = {0}; DELETE FROM watermarks WHERE thread = {0}; "
      "DELETE FROM threads WHERE id = {0}; COMMIT;",
      static_cast<std::int64_t>(thread.value())));
}

Result<void> LocalStore::add_history(core::ThreadId thread,
                                     const std::vector<wire::ThreadMessage>& older) {
  Impl& i = *impl_;
  if (auto r = i.begin.run(); !r) return r;
  auto body = [&]() -> Result<void> {
    // Order keys before the oldest stored message: same major, smaller minors.
    std::int64_t major = 0, minor = 0;
    i.min_ord.bind_u64(1, thread.value());
    auto row = i.min_ord.step();
    if (row && *row) {
      major = i.min_ord.i64(0);
      minor = i.min_ord.i64(1);
    }
    i.min_ord.reset();
    if (!row) return fail(row.error());
    std::int64_t k = minor - static_cast<std::int64_t>(older.size());
    for (const auto& m : older) {  // oldest first
      Stmt& s = i.insert_message;
      s.bind_u64(1, m.message.value()).bind_u64(2, thread.value()).bind_u64(3, m.sender.value());
      s.bind(4, ms(m.time)).bind(5, m.text).bind_null(6);
      if (m.reply_to) s.bind_u64(7, m.reply_to->value()); else s.bind_null(7);
      s.bind(8, major).bind(9, k++);
      if (auto r = s.run(); !r) return r;
      int step = 0;
      if (auto r = put_attachments(m.message, m.attachments, step); !r) return r;
    }
    return {};
  };
  if (auto r = body(); !r) {
    i.rollback.run();
    return r;
  }
  return i.commit.run();
}

Result<void> LocalStore::reset() {
  if (auto r = impl_->db.exec("BEGIN; DELETE FROM messages; DELETE FROM threads; "
                              "DELETE FROM watermarks; DELETE FROM thread_floors; "
                              "DELETE FROM meta WHERE key IN ('epoch','seq'); "
                              "COMMIT;");
      !r)
    return r;
  position_ = Position{};
  impl_->floors.clear();
  return {};
}

Result<void> LocalStore::outbox_add(const OutboxEntry& e) {
  Stmt& s = impl_->outbox_insert;
  s.bind(1, e.client_id.to_hex()).bind(2, std::int64_t{static_cast<std::uint8_t>(e.kind)});
  s.bind_u64(3, e.thread.value()).bind(4, e.text).bind(5, join_ids(e.participants));
  s.bind(6, ms(e.created));
  // Sends with attachments and actions keep their whole request; the columns above still
  // say what a pending send shows.
  if (e.kind == OutboxKind::action || e.kind == OutboxKind::social || !e.attachments.empty()) {
    s.bind_blob(7, wire::encode(e.request()));
  }
  else s.bind_null(7);
  return s.run();
}

Result<void> LocalStore::outbox_acked(core::ClientMsgId id, core::Seq seq) {
  // Already past that seq (the echo came first): the entry is done.
  if (seq <= position_.seq) return outbox_remove(id);
  return impl_->outbox_ack.bind(1, id.to_hex()).bind_u64(2, seq.value()).run();
}

Result<void> LocalStore::outbox_remove(core::ClientMsgId id) {
  return impl_->outbox_delete.bind(1, id.to_hex()).run();
}

Result<std::vector<OutboxEntry>> LocalStore::outbox() const {
  Stmt& s = impl_->outbox_all;
  std::vector<OutboxEntry> out;
  while (true) {
    auto row = s.step();
    if (!row) return fail(row.error());
    if (!*row) break;
    OutboxEntry e;
    e.client_id = core::ClientMsgId::from_hex(s.text(0)).value_or(core::ClientMsgId{});
    e.kind = static_cast<OutboxKind>(s.i64(1));
    e.thread = core::ThreadId{s.u64(2)};
    e.text = s.text(3);
    e.participants = split_ids(s.text(4));
    e.created = from_ms(s.i64(5));
    if (!s.is_null(6)) e.acked_seq = core::Seq{s.u64(6)};
    if (!s.is_null(7)) {
      auto m = wire::decode<wire::Message>(s.blob(7));
      if (auto* send = m ? std::get_if<wire::SendRequest>(&*m) : nullptr) {
        e.attachments = std::move(send->attachments);
      } else if (auto* act = m ? std::get_if<wire::MessageActionRequest>(&*m) : nullptr) {
        e.message = act->message;
        e.action = act->action;
      } else if (auto* soc = m ? std::get_if<wire::SocialRequest>(&*m) : nullptr) {
        e.social_action = soc->action;
        e.user = soc->user;
        e.group_add = soc->group_add;
      } else {
        // Not a request this SDK wrote: sending it could do what the user never asked.
        IRIS_LOG(warn, "client", "outbox entry {} has an unreadable request; dropped", s.text(0));
        continue;
      }
    }
    out.push_back(std::move(e));
  }
  s.reset();
  return out;
}

namespace {
StoredThread read_thread(const Stmt& s) {
  StoredThread t{core::ThreadId{s.u64(0)}, s.text(1), split_ids(s.text(2)),
                 static_cast<std::uint32_t>(s.i64(3)), from_ms(s.i64(4))};
  if (!s.is_null(5) && s.i64(5) > 0 && s.i64(5) <= core::kMaxFolder) t.folder = static_cast<core::Folder>(s.i64(5));
  return t;
}
}  // namespace

Result<std::vector<StoredThread>> LocalStore::threads() const {
  Stmt& s = impl_->threads_all;
  std::vector<StoredThread> out;
  while (true) {
    auto row = s.step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.push_back(read_thread(s));
  }
  s.reset();
  return out;
}

Result<std::optional<StoredThread>> LocalStore::thread(core::ThreadId id) const {
  Stmt& s = impl_->thread_one;
  s.bind_u64(1, id.value());
  auto row = s.step();
  if (!row) return fail(row.error());
  std::optional<StoredThread> out;
  if (*row) out = read_thread(s);
  s.reset();
  return out;
}

Result<std::vector<StoredMessage>> LocalStore::messages(core::ThreadId thread,
                                                        std::optional<core::MessageId> before,
                                                        std::size_t limit) const {
  Stmt& s = before ? impl_->messages_before : impl_->messages_latest;
  s.bind_u64(1, thread.value()).bind(2, static_cast<std::int64_t>(limit));
  if (before) s.bind_u64(3, before->value());
  std::vector<StoredMessage> out;
  while (true) {
    auto row = s.step();
    if (!row) return fail(row.error());
    if (!*row) break;
    StoredMessage m;
    m.id = core::MessageId{s.u64(0)};
    m.thread = core::ThreadId{s.u64(1)};
    m.sender = core::UserId{s.u64(2)};
    m.time = from_ms(s.i64(3));
    m.text = s.text(4);
    if (!s.is_null(5)) m.client_id = core::ClientMsgId::from_hex(s.text(5));
    if (!s.is_null(6)) m.reply_to = core::MessageId{s.u64(6)};
    out.push_back(std::move(m));
  }
  s.reset();
  std::reverse(out.begin(), out.end());
  if (!before) {
    Stmt& p = impl_->pending_for_thread;
    p.bind_u64(1, thread.value());
    while (true) {
      auto row = p.step();
      if (!row) return fail(row.error());
      if (!*row) break;
      StoredMessage m;
      m.thread = thread;
      m.sender = self_;
      m.client_id = core::ClientMsgId::from_hex(p.text(0));
      m.text = p.text(1);
      m.time = from_ms(p.i64(2));
      m.pending = true;
      out.push_back(std::move(m));
    }
    p.reset();
  }
  return out;
}

Result<std::vector<wire::ReadWatermark>> LocalStore::watermarks(core::ThreadId thread) const {
  Stmt& s = impl_->watermarks_of;
  s.bind_u64(1, thread.value());
  std::vector<wire::ReadWatermark> out;
  while (true) {
    auto row = s.step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.push_back(wire::ReadWatermark{core::UserId{s.u64(0)}, core::MessageId{s.u64(1)}});
  }
  s.reset();
  return out;
}

Result<LocalStore::MessageMeta> LocalStore::message_meta(core::MessageId id) const {
  MessageMeta out;
  Stmt& e = impl_->edits_of;
  e.bind_u64(1, id.value());
  auto row = e.step();
  if (!row) return fail(row.error());
  if (*row) out.edit_count = static_cast<std::uint32_t>(e.u64(0));
  e.reset();
  Stmt& a = impl_->attachments_of;
  a.bind_u64(1, id.value());
  auto arow = a.step();
  if (!arow) return fail(arow.error());
  if (*arow) out.attachments = decode_attachments(a.blob(0));
  a.reset();
  Stmt& s = impl_->reactions_of;
  s.bind_u64(1, id.value());
  while (true) {
    auto r = s.step();
    if (!r) return fail(r.error());
    if (!*r) break;
    out.reactions.push_back({core::UserId{s.u64(0)}, s.text(1)});
  }
  s.reset();
  return out;
}

Result<std::uint64_t> LocalStore::message_count() const {
  Stmt& s = impl_->count_messages;
  auto row = s.step();
  if (!row) return fail(row.error());
  std::uint64_t n = *row ? s.u64(0) : 0;
  s.reset();
  return n;
}

}  // namespace iris::client
