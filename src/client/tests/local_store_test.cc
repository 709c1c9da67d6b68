#include "client/local_store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "sqlite/database.h"

namespace iris::client {
namespace {

using core::ClientMsgId;
using core::Epoch;
using core::MessageId;
using core::Seq;
using core::ThreadId;
using core::UserId;

constexpr UserId kSelf{1};
constexpr UserId kOther{2};
constexpr ThreadId kThread{100};
constexpr Epoch kEpoch{7};

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "iris-store-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const char* name) const { return (std::filesystem::path(path_) / name).string(); }

 private:
  std::string path_;
};

core::Update created(std::uint64_t seq, UserId actor, std::uint64_t message, ClientMsgId cid,
                     std::string text) {
  return core::Update{Seq{seq}, core::Timestamp(std::chrono::milliseconds(1000 + seq)), kThread,
                      actor, core::MessageCreated{MessageId{message}, cid, std::move(text), {}}};
}

wire::DeltaBatch batch(std::uint64_t first, std::vector<core::Update> updates) {
  const auto last = first + updates.size() - 1;
  return wire::DeltaBatch{kEpoch, Seq{first}, Seq{last}, std::move(updates), false};
}

wire::DeltaBatch thread_and_messages(std::uint64_t n) {
  std::vector<core::Update> us;
  us.push_back(core::Update{Seq{1}, core::Timestamp(std::chrono::milliseconds(1)), kThread, kSelf,
                            core::ThreadCreated{"lunch", {kSelf, kOther}}});
  for (std::uint64_t i = 0; i < n; ++i)
    us.push_back(created(i + 2, i % 2 ? kSelf : kOther, 1000 + i, ClientMsgId{0, 1000 + i},
                         "m" + std::to_string(i)));
  return batch(1, std::move(us));
}

OutboxEntry pending(ClientMsgId id, std::string text) {
  OutboxEntry e;
  e.client_id = id;
  e.kind = OutboxKind::send;
  e.thread = kThread;
  e.text = std::move(text);
  return e;
}

std::unique_ptr<LocalStore> open(const std::string& path, LocalStoreOptions o = {}) {
  auto s = LocalStore::open(path, std::move(o));
  EXPECT_TRUE(s.has_value());
  EXPECT_TRUE((*s)->set_self(kSelf).has_value());
  return std::move(*s);
}

std::vector<std::string> texts(const LocalStore& s) {
  std::vector<std::string> out;
  auto ms = s.messages(kThread, std::nullopt, 1000);
  EXPECT_TRUE(ms.has_value());
  if (ms)
    for (const auto& m : *ms) out.push_back(m.text);
  return out;
}

TEST(LocalStore, AppliesABatchAndItsSeqTogether) {
  TempDir dir;
  {
    auto s = open(dir.file("db"));
    ASSERT_TRUE(s->apply_batch(thread_and_messages(3)).has_value());
    EXPECT_EQ(s->position(), (Position{kEpoch, Seq{4}}));
  }
  auto s = open(dir.file("db"));  // reopened: the position and the data came back together
  EXPECT_EQ(s->position(), (Position{kEpoch, Seq{4}}));
  EXPECT_EQ(texts(*s), (std::vector<std::string>{"m0", "m1", "m2"}));
  auto t = s->thread(kThread).value();
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->name, "lunch");
  EXPECT_EQ(t->participants, (std::vector<UserId>{kSelf, kOther}));
  EXPECT_EQ(t->unread, 2u);  // m0 and m2 are from the other user
}

TEST(LocalStore, AFailedWriteAtAnyStepLeavesThePreviousStateAndSeq) {
  TempDir dir;
  const auto first = thread_and_messages(2);
  const auto second = batch(4, {created(4, kOther, 2000, ClientMsgId{0, 2000}, "late"),
                                created(5, kSelf, 2001, ClientMsgId{0, 2001}, "later")});
  int fail_at = -1;
  LocalStoreOptions o;
  o.fail_write = [&](int step) { return step == fail_at; };
  auto s = open(dir.file("db"), o);
  ASSERT_TRUE(s->apply_batch(first).has_value());
  ASSERT_TRUE(s->outbox_add(pending(ClientMsgId{0, 2001}, "later"))
                  .has_value());
  int steps = 0;
  for (fail_at = 0;; ++fail_at) {
    auto r = s->apply_batch(second);
    if (r) {
      steps = fail_at;
      break;
    }
    EXPECT_EQ(s->position(), (Position{kEpoch, Seq{3}})) << "fail at " << fail_at;
    EXPECT_EQ(texts(*s), (std::vector<std::string>{"m0", "m1", "later"})) << "fail at " << fail_at;
    EXPECT_EQ(s->outbox().value().size(), 1u);
    auto again = open(dir.file("db"));
    EXPECT_EQ(again->position(), (Position{kEpoch, Seq{3}}));
  }
  EXPECT_GT(steps, 4);  // the batch has several writes, and each one was failed once
  EXPECT_EQ(s->position(), (Position{kEpoch, Seq{5}}));
  EXPECT_EQ(texts(*s), (std::vector<std::string>{"m0", "m1", "late", "later"}));
  EXPECT_TRUE(s->outbox().value().empty());
}

TEST(LocalStore, AProcessKilledInTheMiddleOfABatchLeavesTheOldStateOnDisk) {
  TempDir dir;
  const auto path = dir.file("db");
  { ASSERT_TRUE(open(path)->apply_batch(thread_and_messages(2)).has_value()); }
  std::vector<core::Update> many;
  for (std::uint64_t i = 0; i < 50; ++i)
    many.push_back(created(4 + i, kOther, 3000 + i, ClientMsgId{0, 3000 + i}, "x"));
  const auto big = batch(4, many);
  for (int crash_at : {0, 1, 7, 40, 99}) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // The child dies mid-transaction, as a power cut to the process would leave it.
      LocalStoreOptions o;
      o.fail_write = [crash_at](int step) {
        if (step == crash_at) _exit(0);
        return false;
      };
      auto s = LocalStore::open(path, o);
      if (!s) _exit(3);
      (void)(*s)->apply_batch(big);
      _exit(2);  // never reached for these crash points
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0) << "crash point " << crash_at << " not reached";
    auto s = open(path);
    EXPECT_EQ(s->position(), (Position{kEpoch, Seq{3}})) << "crash at " << crash_at;
    EXPECT_EQ(s->message_count().value(), 2u) << "crash at " << crash_at;
  }
  auto s = open(path);
  ASSERT_TRUE(s->apply_batch(big).has_value());
  EXPECT_EQ(s->message_count().value(), 52u);
}

TEST(LocalStore, OutboxSurvivesARestartInOrder) {
  TempDir dir;
  {
    auto s = open(dir.file("db"));
    for (std::uint64_t i = 0; i < 5; ++i)
      ASSERT_TRUE(s->outbox_add(pending(ClientMsgId{9, i}, "hello " + std::to_string(i)))
                      .has_value());
    ASSERT_TRUE(s->outbox_add(OutboxEntry{ClientMsgId{9, 99}, OutboxKind::create_thread, ThreadId{0},
                                          "new", {UserId{5}, UserId{6}}, {}, {}})
                    .has_value());
  }
  auto s = open(dir.file("db"));
  auto out = s->outbox().value();
  ASSERT_EQ(out.size(), 6u);
  for (std::uint64_t i = 0; i < 5; ++i) {
    EXPECT_EQ(out[i].client_id, (ClientMsgId{9, i}));
    EXPECT_EQ(out[i].text, "hello " + std::to_string(i));
  }
  EXPECT_EQ(out[5].kind, OutboxKind::create_thread);
  EXPECT_EQ(out[5].participants, (std::vector<UserId>{UserId{5}, UserId{6}}));
  // Adding the same client id again (a retried call) keeps one entry.
  ASSERT_TRUE(s->outbox_add(out[0]).has_value());
  EXPECT_EQ(s->outbox().value().size(), 6u);
}

core::Attachment photo() {
  core::Attachment a;
  a.blob = core::BlobId::from_hex(std::string(64, 'a')).value();
  a.content_type = "image/png";
  a.size = 1234;
  a.name = "cat.png";
  a.width = 640;
  a.height = 480;
  return a;
}

TEST(LocalStore, ActionsAndSendsWithAttachmentsSurviveARestartInTheOutbox) {
  TempDir dir;
  {
    auto s = open(dir.file("db"));
    OutboxEntry send = pending(ClientMsgId{3, 1}, "look");
    send.attachments = {photo()};
    ASSERT_TRUE(s->outbox_add(send).has_value());
    OutboxEntry edit;
    edit.client_id = ClientMsgId{3, 2};
    edit.kind = OutboxKind::action;
    edit.thread = kThread;
    edit.message = MessageId{77};
    edit.action = wire::MessageAction::react;
    edit.text = "+1";
    ASSERT_TRUE(s->outbox_add(edit).has_value());
  }
  auto s = open(dir.file("db"));
  auto out = s->outbox().value();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].attachments, (std::vector<core::Attachment>{photo()}));
  EXPECT_EQ(out[0].request(), (wire::Message{wire::SendRequest{ClientMsgId{3, 1}, kThread, "look",
                                                                std::nullopt, {photo()}}}));
  EXPECT_EQ(out[1].kind, OutboxKind::action);
  EXPECT_EQ(out[1].request(), (wire::Message{wire::MessageActionRequest{
                                  ClientMsgId{3, 2}, kThread, MessageId{77}, wire::MessageAction::react, "+1"}}));
  // An action is not a message: nothing pending is shown for it.
  auto shown = s->messages(kThread, std::nullopt, 10).value();
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].text, "look");
  // Its SendResult, then a batch past that seq, ends it as it ends a send.
  ASSERT_TRUE(s->apply_batch(thread_and_messages(0)).has_value());
  ASSERT_TRUE(s->outbox_acked(ClientMsgId{3, 2}, Seq{2}).has_value());
  ASSERT_TRUE(s->apply_batch(batch(2, {core::Update{Seq{2}, core::Timestamp{}, kThread, kSelf,
                                                     core::ReactionChanged{MessageId{77}, "+1"}}}))
                  .has_value());
  ASSERT_EQ(s->outbox().value().size(), 1u);
  EXPECT_EQ(s->outbox().value()[0].client_id, (ClientMsgId{3, 1}));
}

TEST(LocalStore, AMessageKeepsItsAttachmentsFromADeltaOrASnapshotUntilItIsDeleted) {
  TempDir dir;
  auto s = open(dir.file("db"));
  auto c = created(2, kOther, 500, ClientMsgId{0, 500}, "pic");
  std::get<core::MessageCreated>(c.body).attachments = {photo()};
  ASSERT_TRUE(s->apply_batch(batch(1, {core::Update{Seq{1}, core::Timestamp{}, kThread, kSelf,
                                                     core::ThreadCreated{"t", {kSelf, kOther}}},
                                       c}))
                  .has_value());
  EXPECT_EQ(s->message_meta(MessageId{500}).value().attachments, (std::vector<core::Attachment>{photo()}));
  ASSERT_TRUE(s->apply_batch(batch(3, {core::Update{Seq{3}, core::Timestamp{}, kThread, kOther,
                                                     core::MessageDeleted{MessageId{500}, false}}}))
                  .has_value());
  EXPECT_TRUE(s->message_meta(MessageId{500}).value().attachments.empty());
  wire::ThreadMessage m{MessageId{9}, kOther, core::Timestamp{}, "snap", {}};
  m.attachments = {photo()};
  ASSERT_TRUE(s->apply_snapshot(wire::Snapshot{kEpoch, Seq{5}, {wire::ThreadState{kThread, "t", {kSelf, kOther}, {m}, 0, {}}}})
                  .has_value());
  EXPECT_EQ(s->message_meta(MessageId{9}).value().attachments, (std::vector<core::Attachment>{photo()}));
}

TEST(LocalStore, AVersionOneStoreGainsTheOutboxRequestColumnAndANewerOneIsRefused) {
  TempDir dir;
  {
    // The version-1 outbox, with one send in it, as an older SDK left it.
    auto db = sqlite::Database::open(dir.file("v1"), {});
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(db->exec("CREATE TABLE outbox(n INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL UNIQUE, "
                         "kind INTEGER NOT NULL, thread INTEGER NOT NULL, text TEXT NOT NULL, participants TEXT NOT NULL, "
                         "created_ms INTEGER NOT NULL, acked_seq INTEGER); "
                         "INSERT INTO outbox(client_id, kind, thread, text, participants, created_ms) "
                         "VALUES('00000000000000050000000000000006', 1, 100, 'old', '', 5); PRAGMA user_version=1;")
                    .has_value());
  }
  {
    auto s = open(dir.file("v1"));
    auto out = s->outbox().value();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "old");
    OutboxEntry act = pending(ClientMsgId{5, 7}, "");
    act.kind = OutboxKind::action;
    act.action = wire::MessageAction::unsend;
    ASSERT_TRUE(s->outbox_add(act).has_value());
    EXPECT_EQ(s->outbox().value().size(), 2u);
  }
  {
    auto db = sqlite::Database::open(dir.file("v1"), {});
    ASSERT_TRUE(db->exec("PRAGMA user_version=3").has_value());
  }
  EXPECT_FALSE(LocalStore::open(dir.file("v1")).has_value());
}

TEST(LocalStore, ThePendingSendIsShownOnceAndItsEchoReplacesIt) {
  TempDir dir;
  auto s = open(dir.file("db"));
  ASSERT_TRUE(s->apply_batch(thread_and_messages(0)).has_value());
  const ClientMsgId cid{4, 2};
  ASSERT_TRUE(s->outbox_add(pending(cid, "hi")).has_value());
  auto shown = s->messages(kThread, std::nullopt, 10).value();
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_TRUE(shown[0].pending);
  EXPECT_EQ(shown[0].text, "hi");

  ASSERT_TRUE(s->outbox_acked(cid, Seq{2}).has_value());  // SendResult: still pending, once
  EXPECT_EQ(s->messages(kThread, std::nullopt, 10).value().size(), 1u);

  ASSERT_TRUE(s->apply_batch(batch(2, {created(2, kSelf, 55, cid, "hi")})).has_value());
  shown = s->messages(kThread, std::nullopt, 10).value();
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_FALSE(shown[0].pending);
  EXPECT_EQ(shown[0].id, MessageId{55});
  EXPECT_TRUE(s->outbox().value().empty());
}

TEST(LocalStore, AnAckedSendWhoseEchoWasFoldedAwayLeavesWhenABatchPassesItsSeq) {
  TempDir dir;
  auto s = open(dir.file("db"));
  ASSERT_TRUE(s->apply_batch(thread_and_messages(0)).has_value());
  const ClientMsgId cid{4, 3};
  ASSERT_TRUE(s->outbox_add(pending(cid, "gone")).has_value());
  ASSERT_TRUE(s->outbox_acked(cid, Seq{3}).has_value());
  // A folded catch-up 2..4 where the message (seq 3) was created and deleted: no echo.
  wire::DeltaBatch folded{kEpoch, Seq{2}, Seq{4},
                          {created(4, kOther, 77, ClientMsgId{0, 77}, "other")}, true};
  ASSERT_TRUE(s->apply_batch(folded).has_value());
  EXPECT_TRUE(s->outbox().value().empty());
  EXPECT_EQ(texts(*s), (std::vector<std::string>{"other"}));
}

TEST(LocalStore, ASnapshotReplacesStateAndKeepsUnackedSends) {
  TempDir dir;
  auto s = open(dir.file("db"));
  ASSERT_TRUE(s->apply_batch(thread_and_messages(3)).has_value());
  ASSERT_TRUE(s->outbox_add(pending(ClientMsgId{1, 1}, "a")).has_value());
  ASSERT_TRUE(s->outbox_add(pending(ClientMsgId{1, 2}, "b")).has_value());
  ASSERT_TRUE(s->outbox_acked(ClientMsgId{1, 1}, Seq{8}).has_value());
  wire::ThreadState t{ThreadId{200}, "new", {kSelf, kOther},
                      {wire::ThreadMessage{MessageId{1}, kOther, core::Timestamp{}, "x", {}},
                       wire::ThreadMessage{MessageId{2}, kSelf, core::Timestamp{}, "y", {}}},
                      1, {wire::ReadWatermark{kOther, MessageId{2}}}};
  ASSERT_TRUE(s->apply_snapshot(wire::Snapshot{Epoch{9}, Seq{10}, {t}}).has_value());
  EXPECT_EQ(s->position(), (Position{Epoch{9}, Seq{10}}));
  auto threads = s->threads().value();
  ASSERT_EQ(threads.size(), 1u);
  EXPECT_EQ(threads[0].id, ThreadId{200});
  EXPECT_EQ(threads[0].unread, 1u);
  auto ms = s->messages(ThreadId{200}, std::nullopt, 10).value();
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_EQ(ms[0].text, "x");
  EXPECT_EQ(ms[1].text, "y");
  auto out = s->outbox().value();  // "a" was acked at seq 8 <= 10: done; "b" still to send
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "b");
  EXPECT_EQ(s->watermarks(ThreadId{200}).value().size(), 1u);
}

TEST(LocalStore, AppliesEditsUnsendsAndReactionsWithTheirCounts) {
  TempDir dir;
  auto s = open(dir.file("s.db"));
  ASSERT_TRUE(s->apply_batch(thread_and_messages(2)).has_value());  // messages 1000, 1001
  auto at = [](std::uint64_t seq, UserId actor, core::UpdateBody body) {
    return core::Update{Seq{seq}, core::Timestamp{}, kThread, actor, std::move(body)};
  };
  ASSERT_TRUE(s->apply_batch(batch(4, {
      at(4, kOther, core::MessageEdited{MessageId{1000}, "m0!", 1}),
      at(5, kOther, core::MessageEdited{MessageId{1000}, "m0!!", 2}),
      at(6, kSelf, core::ReactionChanged{MessageId{1000}, "+1"}),
      at(7, kOther, core::ReactionChanged{MessageId{1000}, "ok"}),
      at(8, kSelf, core::ReactionChanged{MessageId{1000}, ""}),
      at(9, kSelf, core::MessageDeleted{MessageId{1001}, false}),
  })).has_value());
  EXPECT_EQ(texts(*s), (std::vector<std::string>{"m0!!"}));
  auto meta = s->message_meta(MessageId{1000}).value();
  EXPECT_EQ(meta.edit_count, 2u);
  EXPECT_EQ(meta.reactions, (std::vector<core::Reaction>{{kOther, "ok"}}));
  EXPECT_EQ(s->message_meta(MessageId{1001}).value(), LocalStore::MessageMeta{});
  // A folded catch-up brings a created message with its edits counted.
  auto folded = created(10, kOther, 2000, ClientMsgId{0, 2000}, "final");
  std::get<core::MessageCreated>(folded.body).edit_count = 3;
  ASSERT_TRUE(s->apply_batch(batch(10, {folded})).has_value());
  EXPECT_EQ(s->message_meta(MessageId{2000}).value().edit_count, 3u);
}

// A thread-scoped resync: the thread is refetched from a snapshot as of seq 5 while the stream
// stands at seq 3. The stream's updates of that thread up to seq 5 are in the snapshot already
// (an edit applied again would count twice; a message from someone else, be unread twice),
// across a restart too; the thread's later ones, and other threads', apply.
TEST(LocalStore, AThreadReplacedAsOfALaterSeqSkipsTheStreamsUpdatesOfItUpToThatSeq) {
  TempDir dir;
  auto s = open(dir.file("db"));
  ASSERT_TRUE(s->apply_batch(thread_and_messages(2)).has_value());  // seqs 1..3, messages 1000, 1001
  const core::Timestamp t{};
  wire::ThreadState state{kThread, "lunch", {kSelf, kOther},
                          {wire::ThreadMessage{MessageId{1000}, kOther, t, "m0!", {}, 1},
                           wire::ThreadMessage{MessageId{1002}, kOther, t, "m2", {}}},
                          2, {}};
  ASSERT_TRUE(s->drop_thread(kThread).has_value());
  ASSERT_TRUE(s->replace_thread(state, Seq{5}).has_value());
  s.reset();
  s = open(dir.file("db"));  // the floor is on disk, not only in memory
  auto at = [&](std::uint64_t seq, ThreadId thread, core::UpdateBody body) {
    return core::Update{Seq{seq}, t, thread, kOther, std::move(body)};
  };
  ASSERT_TRUE(s->apply_batch(batch(4, {
      at(4, kThread, core::MessageEdited{MessageId{1000}, "m0!", 1}),
      at(5, kThread, core::MessageCreated{MessageId{1002}, ClientMsgId{0, 1002}, "m2", {}}),
  })).has_value());
  EXPECT_EQ(s->message_meta(MessageId{1000}).value().edit_count, 1u) << "the edit counted once";
  EXPECT_EQ(s->thread(kThread).value()->unread, 2u) << "the message unread once";
  EXPECT_EQ(texts(*s), (std::vector<std::string>{"m0!", "m2"}));
  ASSERT_TRUE(s->apply_batch(batch(6, {
      at(6, kThread, core::MessageEdited{MessageId{1000}, "m0!!", 2}),
      at(7, ThreadId{300}, core::ThreadCreated{"other", {kSelf, kOther}}),
  })).has_value());
  EXPECT_EQ(s->message_meta(MessageId{1000}).value().edit_count, 2u);
  EXPECT_EQ(texts(*s), (std::vector<std::string>{"m0!!", "m2"}));
  EXPECT_TRUE(s->thread(ThreadId{300}).value().has_value());
}

TEST(LocalStore, PagesOlderMessagesBeforeAGivenOne) {
  TempDir dir;
  auto s = open(dir.file("db"));
  ASSERT_TRUE(s->apply_batch(thread_and_messages(10)).has_value());
  auto page = s->messages(kThread, MessageId{1005}, 3).value();
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].text, "m2");
  EXPECT_EQ(page[2].text, "m4");
  ASSERT_TRUE(s->add_history(kThread, {wire::ThreadMessage{MessageId{10}, kOther, {}, "older", {}}})
                  .has_value());
  EXPECT_EQ(s->messages(kThread, MessageId{1000}, 5).value().at(0).text, "older");
}

TEST(LocalStore, EditsDeletesReadsAndRenamesApply) {
  TempDir dir;
  auto s = open(dir.file("db"));
  ASSERT_TRUE(s->apply_batch(thread_and_messages(3)).has_value());  // 1000..1002
  auto at = [](std::uint64_t seq, UserId actor, core::UpdateBody body) {
    return core::Update{Seq{seq}, core::Timestamp{}, kThread, actor, std::move(body)};
  };
  ASSERT_TRUE(s->apply_batch(batch(5, {at(5, kOther, core::MessageEdited{MessageId{1000}, "m0!"}),
                                       at(6, kOther, core::MessageDeleted{MessageId{1002}}),
                                       at(7, kSelf, core::ReadReceipt{kSelf, MessageId{1001}}),
                                       at(8, kOther, core::ThreadRenamed{"dinner"}),
                                       at(9, kOther, core::ParticipantsChanged{{UserId{3}}, {kOther}})}))
                  .has_value());
  EXPECT_EQ(texts(*s), (std::vector<std::string>{"m0!", "m1"}));
  auto t = s->thread(kThread).value().value();
  EXPECT_EQ(t.name, "dinner");
  EXPECT_EQ(t.unread, 0u);
  EXPECT_EQ(t.participants, (std::vector<UserId>{kSelf, UserId{3}}));
}

TEST(LocalStore, KeepsContactsBlocksFoldersAndTheSettingFromDeltasAndSnapshots) {
  TempDir dir;
  auto s = open(dir.file("db"));
  ASSERT_TRUE(s->apply_batch(thread_and_messages(0)).has_value());
  const core::Timestamp t{};
  ASSERT_TRUE(s->apply_batch(batch(2, {core::Update{Seq{2}, t, ThreadId{0}, kSelf, core::ContactChanged{UserId{5}, core::Relation::contact}},
                                       core::Update{Seq{3}, t, ThreadId{0}, kSelf, core::ContactChanged{UserId{6}, core::Relation::blocked}},
                                       core::Update{Seq{4}, t, kThread, kOther, core::FolderChanged{core::Folder::requests}},
                                       core::Update{Seq{5}, t, ThreadId{0}, kSelf, core::SettingsChanged{core::GroupAdd::nobody}}}))
                  .has_value());
  EXPECT_EQ(s->social().value(), (StoredSocial{{UserId{5}}, {UserId{6}}, core::GroupAdd::nobody}));
  EXPECT_EQ(s->thread(kThread).value()->folder, core::Folder::requests);
  EXPECT_FALSE(s->thread(ThreadId{0}).value()) << "social updates make no thread entry";
  ASSERT_TRUE(s->apply_batch(batch(6, {core::Update{Seq{6}, t, kThread, kSelf, core::FolderChanged{core::Folder::inbox}},
                                       core::Update{Seq{7}, t, ThreadId{0}, kSelf, core::ContactChanged{UserId{5}, core::Relation::none}}}))
                  .has_value());
  EXPECT_EQ(s->thread(kThread).value()->folder, core::Folder::inbox);
  EXPECT_EQ(s->social().value().contacts, std::vector<UserId>{});

  wire::Snapshot snap{kEpoch, Seq{20}, {}};
  snap.threads.push_back(wire::ThreadState{kThread, "t", {kSelf, kOther}, {}, 0, {}});
  snap.threads.back().folder = core::Folder::archived;
  snap.contacts = {UserId{8}};
  ASSERT_TRUE(s->apply_snapshot(snap).has_value());
  EXPECT_EQ(s->social().value(), (StoredSocial{{UserId{8}}, {}, core::GroupAdd::contacts}));
  EXPECT_EQ(s->thread(kThread).value()->folder, core::Folder::archived);
}

}  // namespace
}  // namespace iris::client
