#include "store/sms/sms_book.h"

#include "store/errc.h"

namespace iris::store {
namespace {

constexpr std::string_view kSchema = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE IF NOT EXISTS numbers(number TEXT PRIMARY KEY, user INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS numbers_by_user ON numbers(user, number);
CREATE TABLE IF NOT EXISTS participants(user INTEGER PRIMARY KEY, number TEXT NOT NULL);
)sql";

}  // namespace

Result<std::unique_ptr<SmsBook>> SmsBook::open(const std::string& path) {
  sqlite::OpenOptions options;
  options.log_component = "sms.book";
  options.error = make_error_code(errc::io_error);
  auto db = sqlite::Database::open(path, options);
  if (!db) return fail(db.error());
  if (auto r = db->exec(kSchema); !r) return fail(r.error());
  return std::unique_ptr<SmsBook>(new SmsBook(std::move(*db)));
}

Result<void> SmsBook::assign(const std::string& number, core::UserId user) {
  std::lock_guard lock(mu_);
  auto q = db_.prepare("INSERT INTO numbers(number, user) VALUES(?, ?) ON CONFLICT(number) DO UPDATE SET user = excluded.user");
  q.bind(1, number).bind_u64(2, user.value());
  return q.run();
}

Result<void> SmsBook::unassign(const std::string& number) {
  std::lock_guard lock(mu_);
  auto q = db_.prepare("DELETE FROM numbers WHERE number = ?");
  q.bind(1, number);
  return q.run();
}

Result<std::optional<core::UserId>> SmsBook::owner(const std::string& number) const {
  std::lock_guard lock(mu_);
  auto q = db_.prepare("SELECT user FROM numbers WHERE number = ?");
  q.bind(1, number);
  auto row = q.step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<core::UserId>();
  return std::optional<core::UserId>(core::UserId{q.u64(0)});
}

Result<std::optional<std::string>> SmsBook::number_of(core::UserId user) const {
  std::lock_guard lock(mu_);
  auto q = db_.prepare("SELECT number FROM numbers WHERE user = ? ORDER BY number LIMIT 1");
  q.bind_u64(1, user.value());
  auto row = q.step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(q.text(0));
}

Result<void> SmsBook::remember_participant(core::UserId external, const std::string& number) {
  std::lock_guard lock(mu_);
  auto q = db_.prepare("INSERT INTO participants(user, number) VALUES(?, ?) ON CONFLICT(user) DO UPDATE SET number = excluded.number");
  q.bind_u64(1, external.value()).bind(2, number);
  return q.run();
}

Result<std::optional<std::string>> SmsBook::participant_number(core::UserId external) const {
  std::lock_guard lock(mu_);
  auto q = db_.prepare("SELECT number FROM participants WHERE user = ?");
  q.bind_u64(1, external.value());
  auto row = q.step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(q.text(0));
}

Result<std::vector<core::UserId>> SmsBook::participants(core::UserId after, std::size_t max) const {
  std::lock_guard lock(mu_);
  // External ids have the top bit set: negative as SQLite integers, where signed order is
  // their unsigned order (sqlite/database.h).
  auto q = after.value() == 0 ? db_.prepare("SELECT user FROM participants ORDER BY user LIMIT ?2")
                              : db_.prepare("SELECT user FROM participants WHERE user > ?1 ORDER BY user LIMIT ?2");
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

}  // namespace iris::store
