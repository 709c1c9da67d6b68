// ZooKeeperCoordinator against a real standalone ZooKeeper (scripts/zookeeper), one server
// for the whole suite, a cell per test. Exits 77 (CTest's skip code) without Debian's zookeeper.
#include "cluster/zookeeper/zk_coordinator.h"

#define THREADED
#include <zookeeper/zookeeper.h>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "cluster/errc.h"
#include "cluster/ring_hash.h"
#include "cluster/zookeeper/zk_admin.h"
#include "cluster/zookeeper/zk_directory.h"

namespace iris::cluster {
namespace {

using namespace std::chrono_literals;

int g_port = 0;
std::string g_dir;

// Forwards one loopback port to ZooKeeper until cut(): then drops every connection and
// refuses new ones, as a partition between one server and the ensemble would.
class CuttableProxy {
 public:
  CuttableProxy() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listener_, 16);
    socklen_t len = sizeof a;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~CuttableProxy() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  int port() const { return port_; }
  void cut() { cut_ = true; }

 private:
  void run() {
    std::vector<std::pair<int, int>> links;  // (client, upstream)
    while (!stop_) {
      std::vector<pollfd> fds{{listener_, POLLIN, 0}};
      for (auto [c, u] : links) {
        fds.push_back({c, POLLIN, 0});
        fds.push_back({u, POLLIN, 0});
      }
      ::poll(fds.data(), fds.size(), 20);
      if (cut_) {
        for (auto [c, u] : links) ::close(c), ::close(u);
        links.clear();
      }
      if (fds[0].revents & POLLIN) {
        const int c = ::accept(listener_, nullptr, nullptr);
        if (cut_) {
          ::close(c);
        } else {
          const int u = ::socket(AF_INET, SOCK_STREAM, 0);
          sockaddr_in a{};
          a.sin_family = AF_INET;
          a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
          a.sin_port = htons(static_cast<std::uint16_t>(g_port));
          if (::connect(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
            links.emplace_back(c, u);
          } else {
            ::close(c), ::close(u);
          }
        }
        continue;  // fds no longer matches links
      }
      if (cut_) continue;
      std::vector<std::pair<int, int>> keep;
      for (std::size_t i = 0; i < links.size(); ++i) {
        bool alive = true;
        for (int side = 0; side < 2 && alive; ++side) {
          if (!(fds[1 + 2 * i + side].revents & (POLLIN | POLLHUP | POLLERR))) continue;
          const int from = side == 0 ? links[i].first : links[i].second;
          const int to = side == 0 ? links[i].second : links[i].first;
          char buf[65536];
          const ssize_t n = ::read(from, buf, sizeof buf);
          alive = n > 0 && ::write(to, buf, static_cast<std::size_t>(n)) == n;
        }
        if (alive) keep.push_back(links[i]);
        else ::close(links[i].first), ::close(links[i].second);
      }
      links = std::move(keep);
    }
  }
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> cut_{false}, stop_{false};
  std::thread thread_;
};

// What a server heard, safe to read from the test thread.
struct Heard {
  std::mutex mu;
  Membership table;
  std::vector<SessionState> sessions;
  std::chrono::steady_clock::time_point expired_at{}, saw_leave_at{};
  std::atomic<int> drains{0};
  CoordinatorListener listener() {
    return {[this](const MembershipEvent& e) {
              std::lock_guard lock(mu);
              (void)table.apply(e);
              if (std::holds_alternative<ServerLeft>(e.change)) saw_leave_at = std::chrono::steady_clock::now();
            },
            [this](SessionState s) {
              std::lock_guard lock(mu);
              sessions.push_back(s);
              if (s == SessionState::expired) expired_at = std::chrono::steady_clock::now();
            },
            [this] { ++drains; }};
  }
  std::size_t members() {
    std::lock_guard lock(mu);
    return table.members().size();
  }
  bool has(const std::string& name) {
    std::lock_guard lock(mu);
    return table.contains(name);
  }
};

template <typename F>
bool eventually(F f, std::chrono::milliseconds limit = 5000ms) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return f();
}

ServerInfo server(std::string name, std::uint32_t tokens = 16) {
  auto t = default_tokens(name, tokens);
  return {std::move(name), "127.0.0.1:7000", std::move(t)};
}

class ZkCoordinatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    g_dir = (std::filesystem::temp_directory_path() / ("iris-zk-test-" + std::to_string(::getpid()))).string();
    const std::string cmd = std::string(IRIS_SOURCE_DIR) + "/scripts/zookeeper up --dir " + g_dir + " >/dev/null";
    if (std::system(cmd.c_str()) != 0) return;
    std::ifstream state(g_dir + "/state");
    std::string line;
    std::getline(state, line);
    std::sscanf(line.c_str(), "port=%d", &g_port);
  }
  static void TearDownTestSuite() {
    if (g_dir.empty()) return;
    const std::string cmd = std::string(IRIS_SOURCE_DIR) + "/scripts/zookeeper down --dir " + g_dir;
    (void)std::system(cmd.c_str());
    std::filesystem::remove_all(g_dir);
  }
  void SetUp() override {
    ASSERT_NE(g_port, 0) << "scripts/zookeeper up failed";
    cell_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  ZooKeeperOptions options(int port = 0) const {
    ZooKeeperOptions o;
    o.hosts = "127.0.0.1:" + std::to_string(port == 0 ? g_port : port);
    o.cell = cell_;
    o.session_timeout = 2000ms;
    o.connect_timeout = 5000ms;
    return o;
  }
  std::unique_ptr<ZooKeeperCoordinator> connect(int port = 0) {
    auto c = ZooKeeperCoordinator::connect(options(port));
    EXPECT_TRUE(c) << c.error().message();
    return c ? std::move(*c) : nullptr;
  }
  std::string cell_;
};

TEST_F(ZkCoordinatorTest, ServersOfACellSeeTheSameMembers) {
  Heard h1, h2;
  auto c1 = connect(), c2 = connect();
  ASSERT_TRUE(c1->join(server("a"), h1.listener()));
  ASSERT_TRUE(c2->join(server("b"), h2.listener()));
  ASSERT_TRUE(eventually([&] { return h1.members() == 2 && h2.members() == 2; }));
  std::lock_guard l1(h1.mu), l2(h2.mu);
  for (std::uint64_t u = 0; u < 200; ++u)
    EXPECT_EQ(h1.table.ring().owner_name(core::UserId{u}), h2.table.ring().owner_name(core::UserId{u}));
}

// Id slots are the deployment's, not a cell's: servers of two cells never hold the same one,
// none is handed out twice while its session lives, and a session's end frees its slot.
TEST_F(ZkCoordinatorTest, IdSlotsAreUniqueAcrossCellsAndFreedWithTheirSession) {
  auto o = options();
  o.root = "/iris-" + cell_;  // slots of this test only
  auto open = [&](const std::string& cell) {
    auto c = o;
    c.cell = cell;
    auto z = ZooKeeperCoordinator::connect(c);
    EXPECT_TRUE(z) << z.error().message();
    return z ? std::move(*z) : nullptr;
  };
  auto a = open("one"), b = open("two"), c = open("one"), d = open("two");
  std::set<std::uint32_t> held;
  using Claim = std::pair<ZooKeeperCoordinator*, const char*>;
  for (auto [z, holder] : {Claim{a.get(), "one/a"}, Claim{b.get(), "two/a"}, Claim{c.get(), "one/b"},
                           Claim{d.get(), "two/b"}}) {
    auto slot = z->claim_id_slot(holder, 4);
    ASSERT_TRUE(slot) << holder;
    EXPECT_LT(*slot, 4u);
    EXPECT_TRUE(held.insert(*slot).second) << holder << " got slot " << *slot << " twice";
  }
  auto e = open("one");
  EXPECT_FALSE(e->claim_id_slot("one/c", 4)) << "every slot is held";
  b.reset();  // its session closes: its node goes with it
  auto again = e->claim_id_slot("one/c", 4);
  ASSERT_TRUE(again);
  EXPECT_LT(*again, 4u);
}

TEST_F(ZkCoordinatorTest, CleanLeaveIsSeenByPeers) {
  Heard h1, h2;
  auto c1 = connect(), c2 = connect();
  ASSERT_TRUE(c1->join(server("a"), h1.listener()));
  ASSERT_TRUE(c2->join(server("b"), h2.listener()));
  ASSERT_TRUE(eventually([&] { return h1.members() == 2; }));
  c2->leave();
  EXPECT_TRUE(eventually([&] { return !h1.has("b"); }, 1000ms)) << "a clean stop is seen at once, not after a timeout";
}

TEST_F(ZkCoordinatorTest, NameHeldByAnotherLiveServerIsRefused) {
  Heard h1, h2;
  auto c1 = connect(), c2 = connect();
  ASSERT_TRUE(c1->join(server("a"), h1.listener()));
  ServerInfo impostor = server("a");
  impostor.address = "127.0.0.1:7999";
  const auto r = c2->join(impostor, h2.listener());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::name_conflict));
}

TEST_F(ZkCoordinatorTest, TokenCountOtherThanTheCellsIsRefused) {
  Heard h1, h2;
  auto c1 = connect(), c2 = connect();
  ASSERT_TRUE(c1->join(server("a", 16), h1.listener()));
  const auto r = c2->join(server("b", 32), h2.listener());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::name_conflict));
}

TEST_F(ZkCoordinatorTest, PartitionedServerStopsServingBeforeItsPeersSeeItGo) {
  CuttableProxy proxy;
  Heard h1, h2;
  auto c1 = connect(proxy.port()), c2 = connect();
  ASSERT_TRUE(c1->join(server("a"), h1.listener()));
  ASSERT_TRUE(c2->join(server("b"), h2.listener()));
  ASSERT_TRUE(eventually([&] { return h2.members() == 2; }));
  const auto cut_at = std::chrono::steady_clock::now();
  proxy.cut();
  ASSERT_TRUE(eventually([&] { return !h2.has("a"); }, 8000ms)) << "the ensemble expires a's session";
  std::lock_guard l1(h1.mu), l2(h2.mu);
  ASSERT_FALSE(h1.sessions.empty());
  EXPECT_EQ(h1.sessions.back(), SessionState::expired);
  EXPECT_LT(h1.expired_at, h2.saw_leave_at) << "a must stop serving before b may take its users";
  EXPECT_LT(h1.expired_at - cut_at, 2000ms) << "within the session timeout";
  EXPECT_EQ(c1->session_state(), SessionState::expired);
}

TEST_F(ZkCoordinatorTest, EvictRemovesAPeerAtOnce) {
  Heard h1, h2;
  auto c1 = connect(), c2 = connect();
  ASSERT_TRUE(c1->join(server("a"), h1.listener()));
  ASSERT_TRUE(c2->join(server("b"), h2.listener()));
  ASSERT_TRUE(eventually([&] { return h1.members() == 2; }));
  ASSERT_TRUE(c1->evict("b"));
  EXPECT_TRUE(eventually([&] { return !h1.has("b"); }, 1000ms));
}

TEST_F(ZkCoordinatorTest, WithdrawnServerLeavesTheRingButStillHearsChanges) {
  Heard h1, h2;
  auto c1 = connect(), c2 = connect();
  ASSERT_TRUE(c1->join(server("a"), h1.listener()));
  ASSERT_TRUE(c2->join(server("b"), h2.listener()));
  ASSERT_TRUE(eventually([&] { return h1.members() == 2 && h2.members() == 2; }));
  ASSERT_TRUE(c1->withdraw());
  EXPECT_TRUE(eventually([&] { return !h2.has("a") && !h1.has("a"); }, 3000ms)) << "both see a leave the ring";
  EXPECT_EQ(c1->session_state(), SessionState::connected) << "the session lives on while a drains";
  Heard h3;
  auto c3 = connect();
  ASSERT_TRUE(c3->join(server("c"), h3.listener()));
  EXPECT_TRUE(eventually([&] { return h1.has("c"); }, 3000ms)) << "a withdrawn server still follows the ring";
  EXPECT_FALSE(c1->withdraw()) << "only once";
  c1->leave();  // its node is gone already: a clean stop after a drain
  // b's watch fires on its own thread: h1 hearing c says nothing of when h2 does.
  EXPECT_TRUE(eventually([&] { return h2.has("b") && h2.has("c"); }, 3000ms));
}

TEST_F(ZkCoordinatorTest, DrainRequestReachesOnlyItsServerAndItsNextStartClearsIt) {
  ZooKeeperOptions o = options();
  Heard h1, h2;
  auto c1 = ZooKeeperCoordinator::connect(o), c2 = ZooKeeperCoordinator::connect(o);
  ASSERT_TRUE(c1 && c2);
  ASSERT_TRUE((*c1)->join(server("a"), h1.listener()));
  ASSERT_TRUE((*c2)->join(server("b"), h2.listener()));
  ASSERT_TRUE(eventually([&] { return h1.members() == 2 && h2.members() == 2; }));
  auto admin = ZooKeeperAdmin::connect(o.hosts, o.root, 5000ms);
  ASSERT_TRUE(admin);
  EXPECT_FALSE((*admin)->request_drain(cell_, "nobody")) << "only a live member can be asked";
  ASSERT_TRUE((*admin)->request_drain(cell_, "a"));
  ASSERT_TRUE((*admin)->request_drain(cell_, "a")) << "asking twice is asking once";
  EXPECT_TRUE(eventually([&] { return h1.drains == 1; }, 2000ms));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(h1.drains, 1);
  EXPECT_EQ(h2.drains, 0);
  // a restarts: its new session clears the request and hears no drain.
  (*c1)->leave();
  Heard again;
  auto c3 = ZooKeeperCoordinator::connect(o);
  ASSERT_TRUE(c3);
  ASSERT_TRUE((*c3)->join(server("a"), again.listener()));
  ASSERT_TRUE(eventually([&] { return again.members() == 2; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(again.drains, 0) << "the restart cleared the request";
}

TEST_F(ZkCoordinatorTest, UnreadableMemberNodeIsIgnored) {
  Heard h1;
  auto c1 = connect();
  ASSERT_TRUE(c1->join(server("a"), h1.listener()));
  // A stranger writes garbage where a member would be.
  zhandle_t* zh = zookeeper_init(("127.0.0.1:" + std::to_string(g_port)).c_str(), nullptr, 2000, nullptr, nullptr, 0);
  ASSERT_NE(zh, nullptr);
  const std::string path = "/iris/cells/" + cell_ + "/servers/junk";
  int rc = ZCONNECTIONLOSS;
  for (int i = 0; i < 100 && rc == ZCONNECTIONLOSS; ++i) {
    rc = zoo_create(zh, path.c_str(), "\x01\x02garbage", 9, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, nullptr, 0);
    if (rc == ZCONNECTIONLOSS) std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(rc, ZOK);
  Heard h2;
  auto c2 = connect();
  ASSERT_TRUE(c2->join(server("b"), h2.listener()));
  ASSERT_TRUE(eventually([&] { return h1.members() == 2 && h2.members() == 2; }));
  EXPECT_FALSE(h1.has("junk"));
  zookeeper_close(zh);
}

TEST_F(ZkCoordinatorTest, UnreachableEnsembleIsReportedNotWaitedOnForever) {
  ZooKeeperOptions o = options();
  o.hosts = "127.0.0.1:1";  // nobody listens on port 1
  o.connect_timeout = 500ms;
  const auto c = ZooKeeperCoordinator::connect(o);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), make_error_code(errc::coordinator_unavailable));
}

// The discovery copy (ZooKeeperDirectory) and the operators' changes (ZooKeeperAdmin), under a
// root of their own so that other tests' cells do not enter the placement.
TEST_F(ZkCoordinatorTest, DirectoryFollowsMembersCellStateAndPlacementOverrides) {
  ZooKeeperOptions o = options();
  o.root = "/" + cell_;
  Heard h1, h2;
  auto c1 = ZooKeeperCoordinator::connect(o), c2 = ZooKeeperCoordinator::connect(o);
  ASSERT_TRUE(c1 && c2);
  ASSERT_TRUE((*c1)->join(server("a"), h1.listener()));
  ASSERT_TRUE((*c2)->join(server("b"), h2.listener()));
  auto dir = ZooKeeperDirectory::start({o.hosts, o.root, 2000ms, 10ms}, 5000ms);
  auto admin = ZooKeeperAdmin::connect(o.hosts, o.root, 5000ms);
  ASSERT_TRUE(admin);
  const Ring both({server("a"), server("b")});
  auto routes_match = [&](const Ring& ring) {
    const auto d = dir->current();
    for (std::uint64_t u = 1; u <= 100; ++u) {
      const auto r = d->route(core::UserId{u});
      if (!r || r->cell != cell_ || r->server.name != ring.owner_name(core::UserId{u})) return false;
    }
    return true;
  };
  ASSERT_TRUE(eventually([&] { return routes_match(both); }));

  (*c2)->leave();  // b's users go to a, and the copy follows
  const Ring only_a({server("a")});
  EXPECT_TRUE(eventually([&] { return routes_match(only_a); }));

  ASSERT_TRUE((*admin)->set_cell_enabled(cell_, false));  // the only cell: no new users anywhere
  EXPECT_TRUE(eventually([&] { return !dir->current()->route(core::UserId{1}); }));
  ASSERT_TRUE((*admin)->set_override(core::UserId{7}, cell_));  // an operator's placement holds
  EXPECT_TRUE(eventually([&] {
    const auto r = dir->current()->route(core::UserId{7});
    return r && r->overridden && r->server.name == "a";
  }));
  ASSERT_TRUE((*admin)->set_override(core::UserId{7}, ""));
  ASSERT_TRUE((*admin)->set_cell_enabled(cell_, true));
  EXPECT_TRUE(eventually([&] {
    const auto r = dir->current()->route(core::UserId{7});
    return r && !r->overridden && routes_match(only_a);
  }));
  EXPECT_FALSE((*admin)->set_cell_enabled("no-such-cell", false));
  const auto placement = (*admin)->placement();
  ASSERT_TRUE(placement);
  EXPECT_EQ(placement->cells().size(), 1u);
  EXPECT_TRUE(placement->overrides().empty());
}

}  // namespace
}  // namespace iris::cluster

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!std::filesystem::exists("/usr/share/java/zookeeper.jar")) {
    std::fprintf(stderr, "skipped: no ZooKeeper (apt-get install zookeeper)\n");
    return 77;
  }
  return RUN_ALL_TESTS();
}
