// main() of the MariaDB test binary: exits with CTest's skip code (77) when the MariaDB
// server binaries are absent, else runs every test against one server shared by the binary.
#include <gtest/gtest.h>

#include <cstdio>

#include "store/tests/mariadb_server.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!iris::store::testing::MariaDbServer::binaries_present()) {
    std::puts("SKIP: mariadb-server-core is not installed");
    return 77;
  }
  return RUN_ALL_TESTS();
}
