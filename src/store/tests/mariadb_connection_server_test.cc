// The MariaDB connection layer against a real server (one per test binary): prepared
// statements, errors, and finding the writable server past a dead or read-only one.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <limits>
#include <optional>

#include "store/errc.h"
#include "store/mariadb/connection.h"
#include "store/mariadb/connection_pool.h"
#include "store/tests/mariadb_server.h"

namespace iris::store::mariadb {
namespace {

using testing::MariaDbServer;

class MariaDbConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = MariaDbServer::shared();
    if (!server_) GTEST_SKIP() << "no MariaDB server";
    options_ = server_->options(server_->fresh_database());
  }
  MariaDbServer* server_ = nullptr;
  MariaDbOptions options_;
};

TEST_F(MariaDbConnectionTest, PreparedStatementsRoundTripBytesIntegersAndNulls) {
  auto c = Connection::open(*parse_server(server_->address()), options_);
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_TRUE(c->execute("CREATE TABLE t (k BIGINT UNSIGNED PRIMARY KEY, v LONGBLOB NULL, s BIGINT)"));
  std::string big(5000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  auto* insert = c->prepare("INSERT INTO t (k, v, s) VALUES (?, ?, ?)").value();
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const Param row1[] = {max, std::string_view(big), std::int64_t{-5}};
  ASSERT_TRUE(insert->execute(row1));
  EXPECT_EQ(insert->affected_rows(), 1u);
  const Param row2[] = {std::uint64_t{1}, nullptr, std::int64_t{7}};
  ASSERT_TRUE(insert->execute(row2));
  EXPECT_EQ(c->prepare("INSERT INTO t (k, v, s) VALUES (?, ?, ?)").value(), insert) << "cached";

  auto* select = c->prepare("SELECT k, v, s FROM t WHERE k >= ? ORDER BY k").value();
  const Param from[] = {std::uint64_t{0}};
  auto rows = select->query(from);
  ASSERT_TRUE(rows) << rows.error().message();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(rows->u64(0, 0).value(), 1u);
  EXPECT_FALSE(rows->at(0, 1).has_value());
  EXPECT_EQ(rows->u64(1, 0).value(), max);
  EXPECT_EQ(rows->bytes(1, 1), big) << "a cell longer than the first buffer comes back whole";
  EXPECT_EQ(rows->bytes(1, 2), "-5");

  auto text = c->query_one("SELECT k, v FROM t WHERE v = " + [&] {
    std::string hex;
    Connection::append_hex(big, hex);
    return hex;
  }());
  ASSERT_TRUE(text);
  ASSERT_EQ(text->size(), 1u) << "a hex literal matches the bytes bound as a parameter";
}

// A pool moves its connections in and out of its idle list: a statement prepared before a
// move must run on the moved connection (it used to keep a reference to the old object).
TEST_F(MariaDbConnectionTest, CachedStatementsFollowTheirConnectionWhenItMoves) {
  auto c = Connection::open(*parse_server(server_->address()), options_);
  ASSERT_TRUE(c);
  std::optional<Connection> first(std::move(*c));
  auto* select = first->prepare("SELECT ? + 1").value();
  std::optional<Connection> assigned;
  assigned.emplace(std::move(*first));
  first.reset();  // the object the statement was prepared on is gone (ASan: use after free)
  EXPECT_EQ(assigned->prepare("SELECT ? + 1").value(), select) << "the cache moved along";
  const Param one[] = {std::uint64_t{1}};
  auto rows = select->query(one);
  ASSERT_TRUE(rows) << rows.error().message();
  EXPECT_EQ(rows->u64(0, 0).value(), 2u);
}

TEST_F(MariaDbConnectionTest, AServerErrorIsUnavailableAndLeavesTheConnectionUsable) {
  auto c = Connection::open(*parse_server(server_->address()), options_);
  ASSERT_TRUE(c);
  auto bad = c->execute("SELECT * FROM no_such_table");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), errc::unavailable);
  EXPECT_FALSE(c->broken());
  auto multi = c->query("SELECT 1; SELECT 2, 3");
  ASSERT_TRUE(multi);
  ASSERT_EQ(multi->size(), 2u);
  EXPECT_EQ((*multi)[1].u64(0, 1).value(), 3u);
}

TEST_F(MariaDbConnectionTest, ConnectingToADeadServerIsUnavailable) {
  MariaDbOptions o = options_;
  o.servers = {"127.0.0.1:1"};
  auto c = Connection::open(*parse_server(o.servers[0]), o);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), errc::unavailable);
  ConnectionPool pool(o);
  auto r = pool.with_connection([](Connection& conn) { return conn.writable(); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::unavailable);
}

// A server that accepts TCP but never answers the handshake (a hung host): the first read
// waits out connect_timeout, the next ones within retry_backoff fail at once.
TEST_F(MariaDbConnectionTest, ReadsFailAtOnceWhileTheLastSearchFoundNoWritableServer) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  MariaDbOptions o = options_;
  o.servers = {"127.0.0.1:" + std::to_string(ntohs(a.sin_port))};
  o.connect_timeout = std::chrono::seconds(1);
  o.read_timeout = std::chrono::seconds(1);
  o.retry_backoff = std::chrono::milliseconds(60'000);
  ConnectionPool pool(o);
  const auto read = [&] { return pool.with_connection([](Connection& c) { return c.writable(); }); };
  const auto t0 = std::chrono::steady_clock::now();
  auto first = read();
  const auto t1 = std::chrono::steady_clock::now();
  auto second = read();
  const auto t2 = std::chrono::steady_clock::now();
  ::close(fd);
  ASSERT_FALSE(first);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), errc::unavailable);
  EXPECT_GE(t1 - t0, std::chrono::milliseconds(900)) << "the first search waited for the handshake";
  EXPECT_LT(t2 - t1, std::chrono::milliseconds(500)) << "the second did not search again";
}

TEST_F(MariaDbConnectionTest, FindsTheWritableServerPastADeadOne) {
  MariaDbOptions o = options_;
  o.servers = {"127.0.0.1:1", server_->address()};
  ConnectionPool pool(o);
  auto c = pool.find_writable();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->server().str(), server_->address());
  auto r = pool.with_connection([](Connection& conn) { return conn.writable(); });
  ASSERT_TRUE(r);
  EXPECT_TRUE(*r);
}

TEST_F(MariaDbConnectionTest, AReadOnlyServerIsNotChosenAndRefusesWritesOnOpenConnections) {
  ConnectionPool pool(options_);
  auto c = pool.find_writable();
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->execute("CREATE TABLE t (k INT PRIMARY KEY)"));
  ASSERT_TRUE(server_->admin("SET GLOBAL read_only = 1"));
  auto refused = c->execute("INSERT INTO t VALUES (1)");
  auto none = pool.find_writable();
  ASSERT_TRUE(server_->admin("SET GLOBAL read_only = 0"));
  ASSERT_FALSE(refused) << "a fenced server refuses the iris account";
  EXPECT_EQ(refused.error(), errc::unavailable);
  EXPECT_TRUE(c->broken()) << "read-only means: look for the writable server again";
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), errc::unavailable);
  auto again = pool.find_writable();
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->execute("INSERT INTO t VALUES (1)"));
}

}  // namespace
}  // namespace iris::store::mariadb
