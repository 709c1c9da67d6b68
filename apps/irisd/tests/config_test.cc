#include "apps/irisd/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace iris::irisd {
namespace {

Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "irisd");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

// One file per test: CTest runs the tests of this binary in parallel processes.
std::string write_config(const std::string& text) {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const auto path = std::filesystem::path(::testing::TempDir()) /
                    (std::string("irisd-") + test->name() + ".conf");
  std::ofstream(path) << text;
  return path.string();
}

TEST(IrisdConfig, DefaultsPutTheStoreUnderData) {
  auto p = parse({});
  EXPECT_EQ(p.command, Command::run);
  EXPECT_EQ(p.config.store.path, "data/queue");
  EXPECT_TRUE(p.config.store.sync);
}

TEST(IrisdConfig, HistoryAndRetentionDefaultsAndOverrides) {
  auto d = parse({"--data_dir", "/tmp/y"});
  EXPECT_EQ(d.config.history.path, "/tmp/y/history");
  EXPECT_EQ(d.config.retention.policy.window, std::chrono::hours(24 * 7));
  EXPECT_EQ(d.config.retention.policy.max_length, 0u);
  EXPECT_EQ(d.config.retention.interval, std::chrono::seconds(60));
  const auto file = write_config("retention.window = 2d\nretention.max_queue_length = 500\n");
  auto p = parse({"--config", file, "--history.path", "/h", "--history.batch_updates=100",
                  "--history.user_delay_ms=0", "--retention.interval", "5s"});
  EXPECT_EQ(p.config.history.path, "/h");
  EXPECT_EQ(p.config.history_writer.batch_updates, 100u);
  EXPECT_EQ(p.config.history_writer.user_delay, std::chrono::milliseconds(0));
  EXPECT_EQ(d.config.history_writer.user_delay, std::chrono::milliseconds(2000));
  EXPECT_EQ(p.config.retention.policy.window, std::chrono::hours(48));
  EXPECT_EQ(p.config.retention.policy.max_length, 500u);
  EXPECT_EQ(p.config.retention.interval, std::chrono::seconds(5));
  EXPECT_THROW(parse({"--retention.interval", "0s"}), std::runtime_error);
  EXPECT_THROW(parse({"--history.batch_updates", "0"}), std::runtime_error);
  EXPECT_THROW(parse({"--retention.window", "soon"}), std::runtime_error);
}

TEST(IrisdConfig, HistoryWalLimitDefaultsTo16MiBAndIsBounded) {
  EXPECT_EQ(parse({}).config.history.wal_limit_bytes, 16u << 20);
  EXPECT_EQ(parse({"--history.wal_limit_bytes=65536"}).config.history.wal_limit_bytes, 65536u);
  EXPECT_THROW(parse({"--history.wal_limit_bytes", "lots"}), std::runtime_error);
  EXPECT_THROW(parse({"--history.wal_limit_bytes", "99999999999999999"}), std::runtime_error);
}

TEST(IrisdConfig, HistoryBackendFollowsTheStoreBackendUnlessSet) {
  EXPECT_EQ(parse({}).config.history_backend, HistoryBackend::sqlite);
  EXPECT_EQ(parse({"--store.backend=mariadb"}).config.history_backend, HistoryBackend::mariadb);
  EXPECT_EQ(parse({"--store.backend=mariadb", "--history.backend=sqlite"}).config.history_backend,
            HistoryBackend::sqlite);
  EXPECT_EQ(parse({"--history.backend=mariadb"}).config.history_backend, HistoryBackend::mariadb);
  EXPECT_THROW(parse({"--history.backend", "rocksdb"}), std::runtime_error);
}

TEST(IrisdConfig, FlagsOverrideTheFile) {
  const auto file = write_config("# comment\ndata_dir = /tmp/x  # trailing\nstore.max_queue_length = 10\n\n");
  auto p = parse({"--config", file, "--store.max_queue_length=20", "--store.sync", "false"});
  EXPECT_EQ(p.config.store.path, "/tmp/x/queue");
  EXPECT_EQ(p.config.store.max_queue_length, 20u);
  EXPECT_FALSE(p.config.store.sync);
}

TEST(IrisdConfig, MemoryTierAndCursorLagAreSettable) {
  auto defaults = parse({});
  EXPECT_EQ(defaults.config.sync.memory.budget_bytes, iris::sync::MemoryTierOptions{}.budget_bytes);
  auto p = parse({"--sync.memory.budget_bytes=0", "--sync.memory.max_per_user", "200000"});
  EXPECT_EQ(p.config.sync.memory.budget_bytes, 0u);
  EXPECT_EQ(p.config.sync.memory.max_per_user, 200000u);
  EXPECT_THROW(parse({"--sync.memory.max_per_user=-1"}), std::runtime_error);
  EXPECT_EQ(parse({"--sync.stream.cursor_write_lag=1"}).config.sync.stream.cursor_write_lag, 1u);
}

TEST(IrisdConfig, ErrorsNameTheKeyAndTheLine) {
  const auto file = write_config("data_dir = a\nstore.max_pending = lots\n");
  try {
    parse({"--config", file});
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(":2: store.max_pending"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse({"--no_such_key=1"}), std::runtime_error);
  EXPECT_THROW(parse({"--store.sync=maybe"}), std::runtime_error);
  EXPECT_THROW(parse({"--data_dir"}), std::runtime_error);
  EXPECT_THROW(parse({"stray"}), std::runtime_error);
}

TEST(IrisdConfig, BrokerLimitsHaveDefaultsAndKeys) {
  const auto d = parse({}).config.mqtt;
  EXPECT_EQ(d.topic_alias_maximum, 10);
  EXPECT_EQ(d.max_retained_messages, 10'000u);
  EXPECT_EQ(d.max_retained_bytes, 64u << 20);
  EXPECT_EQ(d.max_retained_messages_per_user, 100u);
  EXPECT_EQ(d.max_retained_bytes_per_user, 1u << 20);
  EXPECT_TRUE(d.deny_subscribe.empty());
  const auto m = parse({"--mqtt.topic_alias_maximum=0", "--mqtt.max_retained_messages=5",
                        "--mqtt.max_retained_bytes=6", "--mqtt.max_retained_messages_per_user=7",
                        "--mqtt.max_retained_bytes_per_user=8"})
                     .config.mqtt;
  EXPECT_EQ(m.topic_alias_maximum, 0);
  EXPECT_EQ(m.max_retained_messages, 5u);
  EXPECT_EQ(m.max_retained_bytes, 6u);
  EXPECT_EQ(m.max_retained_messages_per_user, 7u);
  EXPECT_EQ(m.max_retained_bytes_per_user, 8u);
  EXPECT_THROW(parse({"--mqtt.topic_alias_maximum=65536"}), std::runtime_error);
}

TEST(IrisdConfig, DenySubscribeTakesFiltersWithSubackCodesInFlagsAndFile) {
  const auto m = parse({"--mqtt.deny_subscribe=#:0x87, debug/+:128"}).config.mqtt;
  ASSERT_EQ(m.deny_subscribe.size(), 2u);
  EXPECT_EQ(m.deny_subscribe[0].filter, "#");
  EXPECT_EQ(m.deny_subscribe[0].reason, mqtt::ReasonCode::not_authorized);
  EXPECT_EQ(m.deny_subscribe[1].filter, "debug/+");
  EXPECT_EQ(m.deny_subscribe[1].reason, mqtt::ReasonCode::unspecified_error);
  // In a file, '#' in a value is not a comment; " # text" still is.
  const auto file = write_config("mqtt.deny_subscribe = #:0x87,a/#:0x97  # refuse them\n");
  const auto f = parse({"--config", file}).config.mqtt;
  ASSERT_EQ(f.deny_subscribe.size(), 2u);
  EXPECT_EQ(f.deny_subscribe[1].filter, "a/#");
  EXPECT_EQ(f.deny_subscribe[1].reason, mqtt::ReasonCode::quota_exceeded);
  for (const char* bad : {"#", "a/#/b:0x87", "a:0x00", "a:0x8B", "a:zz", "a:0x187"}) {
    EXPECT_THROW(parse({std::string("--mqtt.deny_subscribe=") + bad}), std::runtime_error) << bad;
  }
}

TEST(IrisdConfig, HelpListsEveryOption) {
  EXPECT_EQ(parse({"--help"}).command, Command::help);
  const auto help = help_text();
  for (auto key : {"--data_dir", "--log_level", "--store.sync", "--store.max_queue_length"}) {
    EXPECT_NE(help.find(key), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace iris::irisd

namespace iris::irisd {
namespace {

TEST(IrisdConfig, NetworkDefaultsAndPorts) {
  auto p = parse({});
  EXPECT_EQ(p.config.net.bind, "0.0.0.0");
  EXPECT_EQ(p.config.net.mqtt_port, 1883);
  EXPECT_EQ(p.config.net.tls_port, 8883);
  EXPECT_EQ(p.config.net.ws_port, 8083);
  EXPECT_EQ(p.config.secret_file, "data/secret");
  EXPECT_FALSE(p.config.mqtt.allow_anonymous);
  p = parse({"--mqtt.port=0", "--mqtt.ws_port=off", "--mqtt.allow_anonymous=true",
             "--mqtt.max_packet_size=1024", "--mqtt.connect_timeout=2m", "--data_dir=/d"});
  EXPECT_EQ(p.config.net.mqtt_port, 0);
  EXPECT_FALSE(p.config.net.ws_port);
  EXPECT_TRUE(p.config.mqtt.allow_anonymous);
  EXPECT_EQ(p.config.mqtt.max_packet_size, 1024u);
  EXPECT_EQ(p.config.mqtt.connect_timeout, std::chrono::seconds(120));
  EXPECT_EQ(p.config.secret_file, "/d/secret");
  EXPECT_THROW(parse({"--mqtt.port=70000"}), std::runtime_error);
  EXPECT_THROW(parse({"--net.threads=1000"}), std::runtime_error);
}

TEST(IrisdConfig, UnauthenticatedConnectionsAreBoundedByDefault) {
  auto p = parse({});
  EXPECT_EQ(p.config.net.max_preauth_connections, 1024u);
  EXPECT_EQ(p.config.net.max_preauth_per_source, 64u);
  EXPECT_EQ(p.config.mqtt.max_connect_packet_size, 64u * 1024);
  EXPECT_EQ(p.config.mqtt.max_keep_alive, 300);
  EXPECT_EQ(p.config.mqtt.partial_packet_timeout, std::chrono::seconds(60));
  p = parse({"--net.max_preauth_connections=10", "--net.max_preauth_per_source=2",
             "--mqtt.max_connect_packet_size=4096", "--mqtt.max_keep_alive=0",
             "--mqtt.partial_packet_timeout=5s"});
  EXPECT_EQ(p.config.net.max_preauth_connections, 10u);
  EXPECT_EQ(p.config.net.max_preauth_per_source, 2u);
  EXPECT_EQ(p.config.mqtt.max_connect_packet_size, 4096u);
  EXPECT_EQ(p.config.mqtt.max_keep_alive, 0);
  EXPECT_EQ(p.config.mqtt.partial_packet_timeout, std::chrono::seconds(5));
  EXPECT_THROW(parse({"--mqtt.partial_packet_timeout=0s"}), std::runtime_error);
}

TEST(IrisdConfig, TlsSessionsAreCachedByDefaultAndCanBeStateless) {
  auto p = parse({});
  EXPECT_EQ(p.config.net.tls_session_lifetime, std::chrono::hours(24));
  EXPECT_EQ(p.config.net.tls_session_cache, 100'000u);
  p = parse({"--tls.session_cache=0", "--tls.session_lifetime=1h"});
  EXPECT_EQ(p.config.net.tls_session_cache, 0u);
  EXPECT_EQ(p.config.net.tls_session_lifetime, std::chrono::hours(1));
  EXPECT_THROW(parse({"--tls.session_cache=lots"}), std::runtime_error);
  EXPECT_THROW(parse({"--tls.session_lifetime=8d"}), std::runtime_error);
}

TEST(IrisdConfig, HttpDefaultsAndLimits) {
  auto p = parse({});
  EXPECT_EQ(p.config.net.http.port, 8080);
  EXPECT_EQ(p.config.net.http.tls_port, 8443);
  EXPECT_EQ(p.config.net.http.max_body_bytes, 64u * 1024);
  EXPECT_EQ(p.config.sync.snapshot_latest, 20u);
  p = parse({"--http.port=0", "--http.tls_port=off", "--http.max_body_bytes=1000",
             "--http.idle_timeout=5s", "--http.shard_timeout_ms=250", "--sync.snapshot_latest=7"});
  EXPECT_EQ(p.config.net.http.port, 0);
  EXPECT_FALSE(p.config.net.http.tls_port);
  EXPECT_EQ(p.config.net.http.max_body_bytes, 1000u);
  EXPECT_EQ(p.config.net.http.idle_timeout, std::chrono::seconds(5));
  EXPECT_EQ(p.config.net.http.shard_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(p.config.sync.snapshot_latest, 7u);
  EXPECT_THROW(parse({"--sync.snapshot_latest=201"}), std::runtime_error);
  EXPECT_THROW(parse({"--http.port=x"}), std::runtime_error);
}

TEST(IrisdConfig, CorsOriginsDefaultToNoneAndRefuseAnythingButAnOrigin) {
  EXPECT_TRUE(parse({}).config.net.http.cors_origins.empty());
  const auto p = parse({"--http.cors_origins=https://app.example.com,http://127.0.0.1:8080"});
  EXPECT_EQ(p.config.net.http.cors_origins,
            (std::vector<std::string>{"https://app.example.com", "http://127.0.0.1:8080"}));
  EXPECT_THROW(parse({"--http.cors_origins=*"}), std::runtime_error);
  EXPECT_THROW(parse({"--http.cors_origins=https://app.example.com/"}), std::runtime_error);
  EXPECT_THROW(parse({"--http.cors_origins=app.example.com"}), std::runtime_error);
}

TEST(IrisdConfig, HttpParserLimitsHaveDefaultsAndCannotExceedWhatTheParserHolds) {
  auto p = parse({});
  EXPECT_EQ(p.config.net.http.max_header_bytes, 8u * 1024);
  EXPECT_EQ(p.config.net.http.max_trailer_bytes, 4u * 1024);
  EXPECT_EQ(p.config.net.http.max_chunk_extension_bytes, 1024u);
  p = parse({"--http.max_header_bytes=65535", "--http.max_trailer_bytes=100",
             "--http.max_chunk_extension_bytes=0"});
  EXPECT_EQ(p.config.net.http.max_header_bytes, 65535u);
  EXPECT_EQ(p.config.net.http.max_trailer_bytes, 100u);
  EXPECT_EQ(p.config.net.http.max_chunk_extension_bytes, 0u);
  // Beast keeps a field's offsets in 16 bits: a larger limit would let a field through that
  // its container throws on (issue 23, "Pre-auth crash").
  EXPECT_THROW(parse({"--http.max_header_bytes=65536"}), std::runtime_error);
  EXPECT_THROW(parse({"--http.max_trailer_bytes=1048576"}), std::runtime_error);
  EXPECT_THROW(parse({"--http.max_chunk_extension_bytes=65536"}), std::runtime_error);
}

TEST(IrisdConfig, TokenSubcommandTakesUserDeviceAndTtl) {
  auto p = parse({"token", "--user", "42", "--device=phone", "--ttl", "2h", "--data_dir", "/x"});
  EXPECT_EQ(p.command, Command::token);
  EXPECT_EQ(p.token.user, "42");
  EXPECT_EQ(p.token.device, "phone");
  EXPECT_EQ(p.token.ttl, std::chrono::hours(2));
  EXPECT_EQ(p.config.secret_file, "/x/secret");
  EXPECT_EQ(parse({"token", "--user=1", "--device=d"}).token.ttl, std::chrono::days(30));
  EXPECT_THROW(parse({"token", "--user=1"}), std::runtime_error);
  EXPECT_THROW(parse({"token", "--user=1", "--device=d", "--ttl=0"}), std::runtime_error);
  EXPECT_THROW(parse({"--user=1"}), std::runtime_error);  // only with `token`
}

TEST(IrisdConfig, TokenRefusesAUserThatIsNotACanonicalUserId) {
  EXPECT_EQ(parse({"token", "--user", "18446744073709551615", "--device", "d"}).token.user,
            "18446744073709551615");
  for (const char* bad : {"01", "-1", "+1", "+", "0", "1a", " 1", "18446744073709551616"}) {
    try {
      parse({"token", "--user", bad, "--device", "d"});
      ADD_FAILURE() << "accepted --user '" << bad << "'";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("--user must be a user id"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(parse({"token", "--user=", "--device", "d"}), std::runtime_error);
}

TEST(IrisdConfig, TrimRefusesAUserThatIsNotACanonicalUserId) {
  EXPECT_EQ(parse({"trim", "--user", "42", "--up_to", "7"}).trim.user, 42u);
  for (const char* bad : {"01", "-1", "+1", "0", "1a", "18446744073709551616"}) {
    try {
      parse({"trim", "--user", bad, "--up_to", "7"});
      ADD_FAILURE() << "accepted --user '" << bad << "'";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("trim: --user must be a user id"), std::string::npos)
          << e.what();
    }
  }
}

TEST(IrisdConfig, StoreRecoveryBackoffDefaultsAndOverrides) {
  auto d = parse({});
  EXPECT_EQ(d.config.store.recovery_backoff, std::chrono::milliseconds(100));
  EXPECT_EQ(d.config.store.recovery_backoff_max, std::chrono::milliseconds(5000));
  auto p = parse({"--store.recovery_backoff_ms", "250", "--store.recovery_backoff_max_ms=2000"});
  EXPECT_EQ(p.config.store.recovery_backoff, std::chrono::milliseconds(250));
  EXPECT_EQ(p.config.store.recovery_backoff_max, std::chrono::milliseconds(2000));
  EXPECT_THROW(parse({"--store.recovery_backoff_ms", "0"}), std::runtime_error);
}

TEST(IrisdConfig, DbPromoteTakesTheServersAndItsOwnKeysWithDefaults) {
  auto p = parse({"db", "promote", "--servers", "127.0.0.1:1,127.0.0.1:2", "--force=1"});
  EXPECT_EQ(p.command, Command::db_promote);
  EXPECT_EQ(p.db_promote.servers, "127.0.0.1:1,127.0.0.1:2");
  EXPECT_TRUE(p.db_promote.force);
  EXPECT_EQ(p.db_promote.admin_user, "root");
  EXPECT_EQ(p.db_promote.repl_user, "repl");
  EXPECT_EQ(p.db_promote.database, "iris");
  // Without --servers: the pair of mariadb.servers; the default (one server) is refused.
  EXPECT_EQ(parse({"db", "promote", "--mariadb.servers", "127.0.0.1:5,127.0.0.1:6"}).db_promote.servers,
            "127.0.0.1:5,127.0.0.1:6");
  EXPECT_THROW(parse({"db", "promote"}), std::runtime_error);
  EXPECT_THROW(parse({"db"}), std::runtime_error);
  EXPECT_THROW(parse({"db", "demote", "--servers", "a:1,b:2"}), std::runtime_error);
  EXPECT_THROW(parse({"db", "promote", "--servers", "a:1,b:2", "--force", "yes"}), std::runtime_error);
  EXPECT_THROW(parse({"--servers", "a:1,b:2"}), std::runtime_error);  // only with `db promote`
}

TEST(IrisdConfig, StoreBackendDefaultsToRocksDbAndTakesMariaDbWithBothServersOfAPair) {
  auto d = parse({});
  EXPECT_EQ(d.config.store_backend, StoreBackend::rocksdb);
  EXPECT_EQ(d.config.mariadb.servers, std::vector<std::string>{"127.0.0.1:3306"});
  EXPECT_EQ(d.config.mariadb.database, "iris");
  EXPECT_EQ(d.config.mariadb.pool_size, 4u);
  EXPECT_EQ(d.config.mariadb.commit_connections, 4u);
  EXPECT_EQ(d.config.mariadb.watch_interval, std::chrono::milliseconds(1000));
  EXPECT_EQ(d.config.mariadb.read_timeout, std::chrono::seconds(10));
  const auto file = write_config(
      "store.backend = mariadb\n"
      "mariadb.servers = 10.0.0.1:3306, [::1]:3307\n"
      "mariadb.user = irisd\n"
      "mariadb.password = s3cret\n");
  auto p = parse({"--config", file, "--mariadb.database=queues", "--mariadb.pool_size", "8",
                  "--mariadb.read_timeout", "30s", "--mariadb.retry_backoff_ms", "20",
                  "--mariadb.commit_connections", "2", "--mariadb.watch_interval_ms", "0"});
  EXPECT_EQ(p.config.store_backend, StoreBackend::mariadb);
  EXPECT_EQ(p.config.mariadb.servers, (std::vector<std::string>{"10.0.0.1:3306", "[::1]:3307"}));
  EXPECT_EQ(p.config.mariadb.user, "irisd");
  EXPECT_EQ(p.config.mariadb.password, "s3cret");
  EXPECT_EQ(p.config.mariadb.database, "queues");
  EXPECT_EQ(p.config.mariadb.pool_size, 8u);
  EXPECT_EQ(p.config.mariadb.commit_connections, 2u);
  EXPECT_EQ(p.config.mariadb.watch_interval, std::chrono::milliseconds(0));
  EXPECT_EQ(p.config.mariadb.read_timeout, std::chrono::seconds(30));
  EXPECT_EQ(p.config.mariadb.retry_backoff, std::chrono::milliseconds(20));
}

TEST(IrisdConfig, MariaDbClaimWaitDefaultsToTwoSecondsAndMustBePositive) {
  EXPECT_EQ(parse({}).config.mariadb.claim_wait, std::chrono::seconds(2));
  EXPECT_EQ(parse({"--mariadb.claim_wait", "5s"}).config.mariadb.claim_wait, std::chrono::seconds(5));
  EXPECT_THROW(parse({"--mariadb.claim_wait", "0"}), std::runtime_error);
}

TEST(IrisdConfig, SocialBackendFollowsTheStoreBackendUnlessSet) {
  EXPECT_EQ(parse({}).config.social_backend, SocialBackend::sqlite);
  EXPECT_EQ(parse({"--store.backend=mariadb"}).config.social_backend, SocialBackend::mariadb);
  EXPECT_EQ(parse({"--store.backend=mariadb", "--social.backend=sqlite"}).config.social_backend,
            SocialBackend::sqlite);
  EXPECT_EQ(parse({"--social.backend=mariadb"}).config.social_backend, SocialBackend::mariadb);
  EXPECT_THROW(parse({"--social.backend", "rocksdb"}), std::runtime_error);
}

TEST(IrisdConfig, GroupAddDefaultIsContactsAndTakesOnlyTheThreeSettings) {
  EXPECT_EQ(parse({}).config.social_group_add_default, core::GroupAdd::contacts);
  EXPECT_EQ(parse({"--social.group_add_default", "anyone"}).config.social_group_add_default, core::GroupAdd::anyone);
  EXPECT_EQ(parse({"--social.group_add_default", "nobody"}).config.social_group_add_default, core::GroupAdd::nobody);
  EXPECT_THROW(parse({"--social.group_add_default", "friends"}), std::runtime_error);
}

TEST(IrisdConfig, FanoutConfirmationsWaitFiftyMillisecondsByDefaultAndZeroRemovesAtOnce) {
  EXPECT_EQ(parse({}).config.cluster.fanout_confirm_delay, std::chrono::milliseconds(50));
  EXPECT_EQ(parse({"--cluster.fanout_confirm_ms", "0"}).config.cluster.fanout_confirm_delay, std::chrono::milliseconds(0));
  EXPECT_EQ(parse({"--cluster.fanout_confirm_ms", "200"}).config.cluster.fanout_confirm_delay, std::chrono::milliseconds(200));
  EXPECT_THROW(parse({"--cluster.fanout_confirm_ms", "10001"}), std::runtime_error);
  EXPECT_THROW(parse({"--cluster.fanout_confirm_ms", "soon"}), std::runtime_error);
}

TEST(IrisdConfig, MariaDbPasswordComesFromItsFileFirstLine) {
  const auto file = write_config("pw-from-file\nsecond line\n");
  auto p = parse({"--mariadb.password_file", file});
  EXPECT_EQ(p.config.mariadb.password, "pw-from-file");
  EXPECT_THROW(parse({"--mariadb.password_file", file + ".missing"}), std::runtime_error);
}

TEST(IrisdConfig, RefusesABadStoreBackendOrMariaDbServerNamingTheKey) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
      {{"--store.backend", "mysql"}, "store.backend"},
      {{"--mariadb.servers", "db1"}, "mariadb.servers"},
      {{"--mariadb.servers", "db1:3306,"}, "mariadb.servers"},
      {{"--mariadb.servers", "db1:99999"}, "mariadb.servers"},
      {{"--mariadb.pool_size", "0"}, "mariadb.pool_size"},
      {{"--mariadb.commit_connections", "0"}, "mariadb.commit_connections"},
      {{"--mariadb.read_timeout", "0"}, "mariadb.read_timeout"},
      {{"--mariadb.database="}, "mariadb.database"},
  };
  for (const auto& [args, key] : bad) {
    try {
      parse(args);
      ADD_FAILURE() << "accepted " << args.back();
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace iris::irisd

namespace iris::irisd {
namespace {

TEST(IrisdConfig, LongPollLimitsAndTheWebAppFolder) {
  auto d = parse({});
  EXPECT_EQ(d.config.net.http.poll.timeout, std::chrono::milliseconds(25'000));
  EXPECT_EQ(d.config.net.http.poll.max_timeout, std::chrono::milliseconds(60'000));
  EXPECT_EQ(d.config.net.http.poll.max_per_user, 4u);
  EXPECT_EQ(d.config.net.http.poll.max_total, 10'000u);
  EXPECT_EQ(d.config.net.http.max_app_file_bytes, 4u << 20);
  EXPECT_EQ(d.config.net.http.poll.typing_per_s, 2.0);
  EXPECT_EQ(d.config.net.http.poll.typing_burst, 4.0);
  EXPECT_EQ(d.config.net.http.poll.typing_pending, 8u);
  EXPECT_EQ(d.config.net.http.poll.typing_fresh, std::chrono::milliseconds(5000));
  {
    auto t = parse({"--http.poll.typing_per_s", "0", "--http.poll.typing_burst", "9", "--http.poll.typing_pending", "0",
                    "--http.poll.typing_fresh_ms", "1500"});
    EXPECT_EQ(t.config.net.http.poll.typing_per_s, 0.0);
    EXPECT_EQ(t.config.net.http.poll.typing_burst, 9.0);
    EXPECT_EQ(t.config.net.http.poll.typing_pending, 0u);
    EXPECT_EQ(t.config.net.http.poll.typing_fresh, std::chrono::milliseconds(1500));
  }
  auto p = parse({"--http.poll.timeout_ms", "1000", "--http.poll.max_per_user", "2", "--http.poll.idle_ms", "5000",
                  "--http.app_dir", "/srv/iris-web", "--http.max_app_file_bytes", "1024"});
  EXPECT_EQ(p.config.net.http.poll.timeout, std::chrono::milliseconds(1000));
  EXPECT_EQ(p.config.net.http.poll.max_per_user, 2u);
  EXPECT_EQ(p.config.net.http.poll.idle, std::chrono::milliseconds(5000));
  EXPECT_EQ(p.config.net.http.app_dir, "/srv/iris-web");
  EXPECT_EQ(p.config.net.http.max_app_file_bytes, 1024u);
  EXPECT_EQ(parse({"--http.app_dir", "off"}).config.net.http.app_dir, "");
  EXPECT_THROW(parse({"--http.poll.max_timeout_ms", "-1"}), std::runtime_error);
}

}  // namespace
}  // namespace iris::irisd

namespace iris::irisd {
namespace {

TEST(IrisdConfig, BlobDefaultsAndOverrides) {
  auto d = parse({"--data_dir", "/tmp/y"});
  EXPECT_EQ(d.config.blobs.dir, "/tmp/y/blobs");
  EXPECT_EQ(d.config.blobs.max_bytes, 100u << 20);
  EXPECT_EQ(d.config.blobs.retention, std::chrono::hours(24));
  EXPECT_EQ(d.config.blobs.max_concurrent_uploads, 64u);
  auto p = parse({"--blobs.dir", "/b", "--blobs.max_bytes", "1000", "--blobs.allowed_types",
                  "Image/PNG; q=1, video/*", "--blobs.retention", "2h", "--blobs.sweep_interval", "5s",
                  "--blobs.max_concurrent_uploads", "3", "--blobs.max_attachments", "4",
                  "--blobs.max_name_bytes", "50"});
  EXPECT_EQ(p.config.blobs.dir, "/b");
  EXPECT_EQ(p.config.blobs.max_bytes, 1000u);
  EXPECT_EQ(p.config.blobs.allowed_types, (std::vector<std::string>{"image/png", "video/*"}));
  EXPECT_EQ(p.config.blobs.retention, std::chrono::hours(2));
  EXPECT_EQ(p.config.blobs.sweep_interval, std::chrono::seconds(5));
  EXPECT_EQ(p.config.blobs.max_concurrent_uploads, 3u);
  EXPECT_EQ(p.config.blobs.max_attachments, 4u);
  EXPECT_EQ(p.config.blobs.max_name_bytes, 50u);
  EXPECT_THROW(parse({"--blobs.max_bytes", "0"}), std::runtime_error);
  EXPECT_THROW(parse({"--blobs.allowed_types", "png"}), std::runtime_error);
  EXPECT_THROW(parse({"--blobs.sweep_interval", "0s"}), std::runtime_error);
}

}  // namespace
}  // namespace iris::irisd
