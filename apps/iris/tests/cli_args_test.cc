#include "apps/iris/cli_args.h"

#include <gtest/gtest.h>

namespace iris::cli {
namespace {

Result<Args> parse(std::vector<std::string> argv, std::string* error = nullptr) {
  std::string e;
  return parse_args(argv, error ? error : &e);
}

TEST(CliArgs, LoginTakesServerUserTokenAndDevice) {
  auto a = parse({"login", "--server", "mqtt://127.0.0.1:1883", "--user", "42", "--token", "T",
                  "--device", "laptop", "--http=http://127.0.0.1:8080", "--config-dir", "/tmp/x"});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->command, Command::login);
  EXPECT_EQ(a->server, "mqtt://127.0.0.1:1883");
  EXPECT_EQ(a->http, "http://127.0.0.1:8080");
  EXPECT_EQ(a->user, "42");
  EXPECT_EQ(a->token, "T");
  EXPECT_EQ(a->device, "laptop");
  EXPECT_EQ(a->config_dir, "/tmp/x");
}

TEST(CliArgs, EditUnsendDeleteAndReactNameAThreadAndAMessage) {
  auto e = parse({"edit", "5", "6", "new text"});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->command, Command::edit);
  EXPECT_EQ(e->thread, 5u);
  EXPECT_EQ(e->message, 6u);
  EXPECT_EQ(e->text, "new text");
  auto r = parse({"react", "5", "6"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->command, Command::react);
  EXPECT_EQ(r->text, "") << "no reaction: take it back";
  EXPECT_EQ(parse({"react", "5", "6", "+1"})->text, "+1");
  EXPECT_EQ(parse({"delete", "5", "6"})->command, Command::delete_for_me);
  EXPECT_EQ(parse({"unsend", "5", "6"})->command, Command::unsend);
  EXPECT_FALSE(parse({"edit", "5", "6"})) << "an edit needs a text";
  EXPECT_FALSE(parse({"edit", "5", "6", ""})) << "an empty edit: unsend instead";
  EXPECT_FALSE(parse({"unsend", "5"})) << "no message";
  EXPECT_FALSE(parse({"unsend", "5", "06"})) << "not a canonical id";
  EXPECT_FALSE(parse({"unsend", "5", "6", "x"})) << "unsend takes no text";
  EXPECT_FALSE(parse({"react", "5", "6", "a", "b"}));
}

TEST(CliArgs, LoginWithoutATokenIsAUsageError) {
  std::string error;
  EXPECT_FALSE(parse({"login", "--server", "mqtt://h:1", "--user", "1", "--device", "d"}, &error));
  EXPECT_NE(error.find("--token"), std::string::npos);
  EXPECT_FALSE(parse({"login", "--server", "mqtt://h:1", "--user", "bob", "--token", "t", "--device", "d"}));
}

TEST(CliArgs, GlobalOptionsGoBeforeOrAfterTheCommand) {
  auto a = parse({"--json", "threads", "--timeout", "3"});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->command, Command::threads);
  EXPECT_TRUE(a->json);
  EXPECT_EQ(a->timeout, std::chrono::seconds(3));
  auto b = parse({"threads", "--json"});
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(b->json);
}

TEST(CliArgs, ShowTakesAThreadAndOptionalPaging) {
  auto a = parse({"show", "77", "--before", "1234", "--limit", "5"});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->command, Command::show);
  EXPECT_EQ(a->thread, 77u);
  EXPECT_EQ(a->before, 1234u);
  EXPECT_EQ(a->limit, 5u);
  EXPECT_FALSE(parse({"show"}));
  EXPECT_FALSE(parse({"show", "abc"}));
  EXPECT_FALSE(parse({"show", "0"}));
  EXPECT_FALSE(parse({"show", "7", "--limit", "0"}));
  EXPECT_FALSE(parse({"show", "7", "--before"}));
}

TEST(CliArgs, SendTakesAThreadAndOneText) {
  auto a = parse({"send", "9", "hello there"});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->thread, 9u);
  EXPECT_EQ(a->text, "hello there");
  std::string error;
  EXPECT_FALSE(parse({"send", "9", "hello", "there"}, &error));
  EXPECT_NE(error.find("quote"), std::string::npos);
  EXPECT_FALSE(parse({"send", "9", ""}));
  EXPECT_FALSE(parse({"send", "9"}));
}

TEST(CliArgs, SendTakesFilesWithOrWithoutAText) {
  auto a = parse({"send", "9", "look", "--file", "a.png", "--file=b.pdf"});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->text, "look");
  EXPECT_EQ(a->files, (std::vector<std::string>{"a.png", "b.pdf"}));
  auto only = parse({"send", "--file", "a.png", "9"});
  ASSERT_TRUE(only.has_value());
  EXPECT_TRUE(only->text.empty());
  EXPECT_FALSE(parse({"send", "9", "--file", ""}));
}

TEST(CliArgs, FetchTakesABlobIdAndAnOutputPath) {
  const std::string blob(64, 'a');
  auto a = parse({"fetch", blob, "-o", "out.png"});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->command, Command::fetch);
  EXPECT_EQ(a->blob, blob);
  EXPECT_EQ(a->output, "out.png");
  EXPECT_TRUE(parse({"fetch", "--output", "x", blob}).has_value());
  EXPECT_FALSE(parse({"fetch", blob}));                                  // no -o
  EXPECT_FALSE(parse({"fetch", std::string(64, 'A'), "-o", "x"}));       // not the one spelling
  EXPECT_FALSE(parse({"fetch", std::string(63, 'a'), "-o", "x"}));
}

TEST(CliArgs, CreateThreadTakesUsersAndAName) {
  auto a = parse({"create-thread", "--name", "lunch", "2", "3"});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->command, Command::create_thread);
  EXPECT_EQ(a->name, "lunch");
  EXPECT_EQ(a->users, (std::vector<std::uint64_t>{2, 3}));
  EXPECT_FALSE(parse({"create-thread"}));
  EXPECT_FALSE(parse({"create-thread", "2", "x"}));
}

TEST(CliArgs, IdsMustBeCanonicalDecimals) {
  for (const char* bad : {"01", "+1", "-1", "0x1", "18446744073709551616"}) {
    EXPECT_FALSE(parse({"login", "--server", "mqtt://h:1", "--user", bad, "--token", "t", "--device", "d"}))
        << bad;
    EXPECT_FALSE(parse({"create-thread", bad})) << bad;
    EXPECT_FALSE(parse({"show", bad})) << bad;
  }
  EXPECT_TRUE(parse({"create-thread", "18446744073709551615"}));
}

TEST(CliArgs, TailStatusReadAndHelp) {
  auto t = parse({"tail", "--count", "3"});
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->count, 3u);
  EXPECT_EQ(parse({"status"})->command, Command::status);
  EXPECT_EQ(parse({"read", "5"})->thread, 5u);
  EXPECT_EQ(parse({"--help"})->command, Command::help);
  EXPECT_FALSE(parse({"status", "extra"}));
}

TEST(CliArgs, UnknownCommandsAndOptionsAreUsageErrors) {
  std::string error;
  EXPECT_FALSE(parse({"frobnicate"}, &error));
  EXPECT_NE(error.find("frobnicate"), std::string::npos);
  EXPECT_FALSE(parse({"threads", "--colour", "red"}, &error));
  EXPECT_NE(error.find("--colour"), std::string::npos);
  EXPECT_FALSE(parse({}, &error));
  EXPECT_FALSE(parse({"threads", "--timeout", "0"}));
  EXPECT_FALSE(parse({"threads", "--timeout", "-1"}));
}

}  // namespace
}  // namespace iris::cli

namespace iris::cli {
namespace {

TEST(CliArgs, SocialCommandsNameAUserAThreadOrASetting) {
  auto list = parse({"contacts"});
  ASSERT_TRUE(list);
  EXPECT_EQ(list->command, Command::contacts);
  EXPECT_TRUE(list->contacts_verb.empty());
  auto add = parse({"contacts", "add", "7"});
  ASSERT_TRUE(add);
  EXPECT_EQ(add->contacts_verb, "add");
  EXPECT_EQ(add->other_user, 7u);
  auto block = parse({"block", "9"});
  ASSERT_TRUE(block);
  EXPECT_EQ(block->command, Command::block);
  EXPECT_EQ(block->other_user, 9u);
  auto accept = parse({"accept", "12"});
  ASSERT_TRUE(accept);
  EXPECT_EQ(accept->command, Command::accept);
  EXPECT_EQ(accept->thread, 12u);
  auto setting = parse({"group-add", "nobody"});
  ASSERT_TRUE(setting);
  EXPECT_EQ(setting->group_add, "nobody");
  EXPECT_FALSE(parse({"contacts", "befriend", "7"}));
  EXPECT_FALSE(parse({"block"}));
  EXPECT_FALSE(parse({"block", "07"}));
  EXPECT_FALSE(parse({"group-add", "friends"}));
  EXPECT_FALSE(parse({"archive"}));
}

TEST(CliArgs, SmsVerifyTakesANumberAndThenItsCode) {
  auto ask = parse({"sms", "verify", "+15557770008"});
  ASSERT_TRUE(ask);
  EXPECT_EQ(ask->command, Command::sms);
  EXPECT_EQ(ask->sms_number, "+15557770008");
  EXPECT_TRUE(ask->sms_code.empty());
  auto confirm = parse({"sms", "verify", "+15557770008", "123456"});
  ASSERT_TRUE(confirm);
  EXPECT_EQ(confirm->sms_code, "123456");
  EXPECT_FALSE(parse({"sms"}));
  EXPECT_FALSE(parse({"sms", "verify"}));
  EXPECT_FALSE(parse({"sms", "send", "+15557770008"}));
  EXPECT_FALSE(parse({"sms", "verify", "+15557770008", "1", "2"}));
}

}  // namespace
}  // namespace iris::cli
