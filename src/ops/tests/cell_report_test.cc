#include "ops/cell_report.h"

#include <gtest/gtest.h>

namespace iris::ops {
namespace {

DeploymentReport sample() {
  DeploymentReport r;
  r.zookeeper = "127.0.0.1:2181";
  CellReport cell;
  cell.name = "eu\"1";
  cell.tokens_per_server = 2048;
  ServerReport s;
  s.info.name = "irisd-1";
  s.info.mqtt = "127.0.0.1:1883";
  s.ring_share = 0.5;
  s.users = 7;
  s.metrics_ok = true;
  s.connections = 3;
  s.store_writable = 0;
  cell.servers.push_back(s);
  r.cells.push_back(cell);
  DbServerReport db;
  db.address = "127.0.0.1:3306";
  db.reachable = true;
  db.role = "primary";
  db.semisync_on = false;
  r.database.push_back(db);
  return r;
}

TEST(CellReportTest, TextNamesEveryServerAndFlagsWhatIsWrong) {
  const std::string text = render_text(sample());
  EXPECT_NE(text.find("irisd-1"), std::string::npos);
  EXPECT_NE(text.find("50.0%"), std::string::npos);
  EXPECT_NE(text.find("NO"), std::string::npos);           // store not writable
  EXPECT_NE(text.find("semi-sync OFF"), std::string::npos);  // fallen back to asynchronous
}

TEST(CellReportTest, JsonEscapesNamesAndWritesNullForUnknownFigures) {
  const std::string json = render_json(sample());
  EXPECT_NE(json.find("\"name\":\"eu\\\"1\""), std::string::npos);
  EXPECT_NE(json.find("\"devices\":null"), std::string::npos);
  EXPECT_NE(json.find("\"users\":7"), std::string::npos);
  EXPECT_NE(json.find("\"store_users\":null"), std::string::npos);
}

}  // namespace
}  // namespace iris::ops
