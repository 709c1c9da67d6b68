// The MariaDB connection layer's pure parts: server addresses and which errors break a
// connection. (Against a real server: mariadb_connection_server_test.cc.)
#include "store/mariadb/connection.h"

#include <errmsg.h>
#include <gtest/gtest.h>
#include <mysqld_error.h>

#include "store/errc.h"
#include "store/mariadb/queue_schema.h"

namespace iris::store::mariadb {
namespace {

TEST(MariaDbServerAddress, ParsesHostAndPortAndBracketedIpv6) {
  EXPECT_EQ(parse_server("127.0.0.1:3306").value(), (ServerAddress{"127.0.0.1", 3306}));
  EXPECT_EQ(parse_server("db-1.example:65535").value(), (ServerAddress{"db-1.example", 65535}));
  EXPECT_EQ(parse_server("[::1]:3307").value(), (ServerAddress{"::1", 3307}));
  EXPECT_EQ(parse_server("[::1]:3307")->str(), "[::1]:3307");
  EXPECT_EQ(parse_server("127.0.0.1:3306")->str(), "127.0.0.1:3306");
}

TEST(MariaDbServerAddress, RefusesMalformedAddresses) {
  for (const char* bad : {"", "host", "host:", ":3306", "host:0", "host:65536", "host:33x",
                          "::1:3306", "[::1]3306", "[::1]:", "host:-1"}) {
    auto r = parse_server(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), errc::invalid_request) << bad;
  }
}

TEST(MariaDbErrors, LostConnectionsReadOnlyAndTimeoutsBreakTheConnection) {
  for (unsigned e : {unsigned{CR_SERVER_GONE_ERROR}, unsigned{CR_SERVER_LOST}, unsigned{CR_CONNECTION_ERROR}, unsigned{CR_CONN_HOST_ERROR},
                     unsigned{ER_OPTION_PREVENTS_STATEMENT}, unsigned{ER_LOCK_WAIT_TIMEOUT},
                     unsigned{ER_LOCK_DEADLOCK}, unsigned{ER_CONNECTION_KILLED},
                     unsigned{ER_SERVER_SHUTDOWN}}) {
    EXPECT_TRUE(breaks_connection(e)) << e;
  }
}

TEST(MariaDbErrors, AStatementErrorLeavesTheConnectionUsable) {
  for (unsigned e : {unsigned{ER_DUP_ENTRY}, unsigned{ER_PARSE_ERROR}, unsigned{ER_NO_SUCH_TABLE},
                     unsigned{ER_DATA_TOO_LONG}}) {
    EXPECT_FALSE(breaks_connection(e)) << e;
  }
}

TEST(MariaDbQueueEpochs, GenerationZeroKeepsTheStoredEpochAndEveryOtherChangesIt) {
  const core::Epoch stored{0x1234'5678'9abc'def0ull};
  EXPECT_EQ(epoch_in_generation(stored, 0), stored);
  const auto g1 = epoch_in_generation(stored, 1), g2 = epoch_in_generation(stored, 2);
  EXPECT_NE(g1, stored);
  EXPECT_NE(g2, stored);
  EXPECT_NE(g1, g2);
  EXPECT_EQ(epoch_in_generation(stored, 1), g1) << "the same for every reader";
  EXPECT_NE(epoch_in_generation(core::Epoch{1}, 7), epoch_in_generation(core::Epoch{2}, 7))
      << "queues keep distinct epochs";
  EXPECT_EQ(epoch_in_generation(core::Epoch{0}, 5), core::Epoch{0}) << "no queue stays no queue";
  for (std::uint64_t e = 1; e < 2000; ++e) EXPECT_NE(epoch_in_generation(core::Epoch{e}, 3).value(), 0u);
}

}  // namespace
}  // namespace iris::store::mariadb
