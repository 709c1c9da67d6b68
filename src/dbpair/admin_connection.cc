#include "dbpair/admin_connection.h"

#include <charconv>
#include <mysql.h>

#include "dbpair/errc.h"

namespace iris::dbpair {

Result<ServerAddress> parse_server(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return fail(errc::bad_value);
  unsigned port = 0;
  const auto digits = text.substr(colon + 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0 || port > 65535) {
    return fail(errc::bad_value);
  }
  return ServerAddress{std::string(text.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

Result<std::vector<ServerAddress>> parse_servers(std::string_view text) {
  std::vector<ServerAddress> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    auto server = parse_server(text.substr(0, comma));
    if (!server || out.size() == kMaxServers) return fail(errc::bad_value);
    out.push_back(std::move(*server));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  if (out.empty()) return fail(errc::bad_value);
  return out;
}

AdminConnection::AdminConnection(ServerAddress address, MYSQL* mysql)
    : address_(std::move(address)), mysql_(mysql) {}

AdminConnection::AdminConnection(AdminConnection&& other) noexcept
    : address_(std::move(other.address_)), mysql_(std::exchange(other.mysql_, nullptr)) {}

AdminConnection& AdminConnection::operator=(AdminConnection&& other) noexcept {
  if (this != &other) {
    if (mysql_ != nullptr) mysql_close(mysql_);
    address_ = std::move(other.address_);
    mysql_ = std::exchange(other.mysql_, nullptr);
  }
  return *this;
}

AdminConnection::~AdminConnection() {
  if (mysql_ != nullptr) mysql_close(mysql_);
}

Result<AdminConnection> AdminConnection::connect(const ServerAddress& address,
                                                 const AdminOptions& options) {
  MYSQL* mysql = mysql_init(nullptr);
  if (mysql == nullptr) return fail(errc::connect_failed);
  const auto seconds = [](std::chrono::seconds s) {
    return static_cast<unsigned>(std::max<std::chrono::seconds::rep>(1, s.count()));
  };
  const unsigned connect_s = seconds(options.connect_timeout);
  const unsigned read_s = seconds(options.read_timeout);
  const unsigned write_s = seconds(options.write_timeout);
  mysql_optionsv(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
  mysql_optionsv(mysql, MYSQL_OPT_READ_TIMEOUT, &read_s);
  mysql_optionsv(mysql, MYSQL_OPT_WRITE_TIMEOUT, &write_s);
  // No option files: what this process is told is all it uses.
  if (mysql_real_connect(mysql, address.host.c_str(), options.user.c_str(),
                         options.password.c_str(), nullptr, address.port, nullptr,
                         CLIENT_MULTI_RESULTS) == nullptr) {
    mysql_close(mysql);
    return fail(errc::connect_failed);
  }
  return AdminConnection(address, mysql);
}

Result<std::vector<Row>> AdminConnection::query(std::string_view sql) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return fail(errc::query_failed);
  std::vector<Row> rows;
  MYSQL_RES* result = mysql_store_result(mysql_);
  if (result == nullptr) {
    if (mysql_field_count(mysql_) != 0) return fail(errc::query_failed);
    return rows;
  }
  const unsigned columns = mysql_num_fields(result);
  const MYSQL_FIELD* fields = mysql_fetch_fields(result);
  while (MYSQL_ROW values = mysql_fetch_row(result)) {
    const unsigned long* lengths = mysql_fetch_lengths(result);
    Row row;
    for (unsigned i = 0; i < columns; ++i) {
      row.emplace(fields[i].name,
                  values[i] == nullptr ? std::string{} : std::string(values[i], lengths[i]));
    }
    rows.push_back(std::move(row));
  }
  mysql_free_result(result);
  return rows;
}

std::string AdminConnection::last_error() const { return mysql_error(mysql_); }
unsigned AdminConnection::last_errno() const { return mysql_errno(mysql_); }

}  // namespace iris::dbpair
