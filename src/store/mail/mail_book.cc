#include "store/mail/mail_book.h"

#include "store/errc.h"

namespace iris::store {
namespace {

constexpr std::string_view kSchema = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE IF NOT EXISTS addresses(user INTEGER PRIMARY KEY, address TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS received(
  client_id TEXT PRIMARY KEY, message_id TEXT NOT NULL, root TEXT NOT NULL, subject TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS replies(
  user INTEGER NOT NULL, thread INTEGER NOT NULL, message_id TEXT NOT NULL, root TEXT NOT NULL,
  subject TEXT NOT NULL, PRIMARY KEY(user, thread)
) WITHOUT ROWID;
)sql";

}  // namespace

Result<std::unique_ptr<MailBook>> MailBook::open(const std::string& path) {
  sqlite::OpenOptions options;
  options.log_component = "mail.book";
  options.error = make_error_code(errc::io_error);
  auto db = sqlite::Database::open(path, options);
  if (!db) return fail(db.error());
  if (auto r = db->exec(kSchema); !r) return fail(r.error());
  return std::unique_ptr<MailBook>(new MailBook(std::move(*db)));
}

Result<void> MailBook::remember_address(core::UserId external, const std::string& address) {
  std::lock_guard lock(mu_);
  auto q = db_.prepare("INSERT INTO addresses(user, address) VALUES(?, ?) ON CONFLICT(user) DO UPDATE SET address = excluded.address");
  q.bind_u64(1, external.value()).bind(2, address);
  return q.run();
}

Result<std::optional<std::string>> MailBook::address(core::UserId external) const {
  std::lock_guard lock(mu_);
  auto q = db_.prepare("SELECT address FROM addresses WHERE user = ?");
  q.bind_u64(1, external.value());
  auto row = q.step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(q.text(0));
}

Result<std::vector<core::UserId>> MailBook::externals(core::UserId after, std::size_t max) const {
  std::lock_guard lock(mu_);
  // Every id here is external (top bit set): negative as SQLite integers, where signed order
  // is their unsigned order (sqlite/database.h). `after` 0 (no external id) starts at the first.
  auto q = after.value() == 0 ? db_.prepare("SELECT user FROM addresses ORDER BY user LIMIT ?2")
                              : db_.prepare("SELECT user FROM addresses WHERE user > ?1 ORDER BY user LIMIT ?2");
  if (after.value() != 0) q.bind_u64(1, after.value());
  q.bind(2, static_cast<std::int64_t>(max));
  std::vector<core::UserId> out;
  for (;;) {
    auto row = q.step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.push_back(core::UserId{q.u64(0)});
  }
  return out;
}

Result<void> MailBook::remember_received(const core::ClientMsgId& client_id, const MailRef& ref) {
  std::lock_guard lock(mu_);
  auto q = db_.prepare("INSERT OR IGNORE INTO received(client_id, message_id, root, subject) VALUES(?, ?, ?, ?)");
  q.bind(1, client_id.to_hex()).bind(2, ref.message_id).bind(3, ref.root).bind(4, ref.subject);
  return q.run();
}

Result<std::optional<MailRef>> MailBook::received(const core::ClientMsgId& client_id) const {
  std::lock_guard lock(mu_);
  auto q = db_.prepare("SELECT message_id, root, subject FROM received WHERE client_id = ?");
  q.bind(1, client_id.to_hex());
  auto row = q.step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<MailRef>();
  return std::optional<MailRef>(MailRef{q.text(0), q.text(1), q.text(2)});
}

Result<void> MailBook::set_reply_to(core::UserId external, core::ThreadId thread, const MailRef& ref) {
  std::lock_guard lock(mu_);
  auto q = db_.prepare(
      "INSERT INTO replies(user, thread, message_id, root, subject) VALUES(?, ?, ?, ?, ?) ON CONFLICT(user, thread) "
      "DO UPDATE SET message_id = excluded.message_id, root = excluded.root, subject = excluded.subject");
  q.bind_u64(1, external.value()).bind_u64(2, thread.value()).bind(3, ref.message_id).bind(4, ref.root).bind(5, ref.subject);
  return q.run();
}

Result<std::optional<MailRef>> MailBook::reply_to(core::UserId external, core::ThreadId thread) const {
  std::lock_guard lock(mu_);
  auto q = db_.prepare("SELECT message_id, root, subject FROM replies WHERE user = ? AND thread = ?");
  q.bind_u64(1, external.value()).bind_u64(2, thread.value());
  auto row = q.step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<MailRef>();
  return std::optional<MailRef>(MailRef{q.text(0), q.text(1), q.text(2)});
}

}  // namespace iris::store
