#include "wire/tests/sample_messages.h"

#include <limits>

namespace iris::wire::testing {
namespace {

using namespace iris::core;
constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

Timestamp ms(std::int64_t v) { return Timestamp{std::chrono::milliseconds{v}}; }

// Two references: one with an image's dimensions at their largest, one without any.
std::vector<Attachment> sample_attachments() {
  Attachment photo{*BlobId::from_hex(std::string(64, 'f')), "image/png", 123'456, "photo é.png", 640, 0x7fffffff};
  Attachment file{BlobId{}, "application/pdf", static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()), "", std::nullopt, std::nullopt};
  return {photo, file};
}

std::vector<UpdateBody> every_body() {
  return {
      MessageCreated{MessageId{1}, ClientMsgId{kMax, 0}, "héllo 👋", MessageId{kMax}},
      MessageCreated{MessageId{kMax}, ClientMsgId{0, 0}, "", std::nullopt},
      MessageCreated{.message = MessageId{2}, .client_id = ClientMsgId{3, 4}, .text = "pics", .reply_to = std::nullopt, .attachments = sample_attachments()},
      MessageEdited{MessageId{42}, "edited text"},
      MessageDeleted{MessageId{0}},
      ReadReceipt{UserId{kMax}, MessageId{7}},
      ThreadCreated{"Weekend ☀️", {UserId{1}, UserId{kMax}, UserId{0}}},
      ThreadCreated{"", {}},
      ParticipantsChanged{{UserId{5}}, {UserId{6}, UserId{7}}},
      ParticipantsChanged{{}, {}},
      ThreadRenamed{"new name"},
      // Since version 5.
      MessageCreated{MessageId{2}, ClientMsgId{1, 1}, "folded", std::nullopt, 3},
      MessageEdited{MessageId{42}, "second edit", 0x7fffffff},
      MessageDeleted{MessageId{43}, true},
      ReactionChanged{MessageId{42}, "👍"},
      ReactionChanged{MessageId{kMax}, ""},
      // Since version 6.
      ContactChanged{UserId{kMax}, Relation::contact},
      ContactChanged{UserId{2}, Relation::blocked},
      ContactChanged{UserId{0}, Relation::none},
      FolderChanged{Folder::requests},
      FolderChanged{Folder::archived},
      FolderChanged{Folder::inbox},
      SettingsChanged{GroupAdd::anyone},
      SettingsChanged{GroupAdd::nobody},
  };
}

std::string random_text(std::mt19937_64& rng, std::size_t max_len) {
  static const char* const kPieces[] = {"a", "Z", "0", " ", "é", "ß", "中", "👋", "\"", "\\",
                                        "\n", "\t", "\x01", "/", "<", "\x7f"};
  std::uniform_int_distribution<std::size_t> len(0, max_len);
  std::uniform_int_distribution<std::size_t> pick(0, std::size(kPieces) - 1);
  std::string out;
  for (std::size_t n = len(rng); n > 0; --n) out += kPieces[pick(rng)];
  return out;
}

std::vector<UserId> random_users(std::mt19937_64& rng) {
  std::vector<UserId> out(rng() % 5);
  for (auto& u : out) u = UserId{rng()};
  return out;
}

std::optional<MessageId> maybe_id(std::mt19937_64& rng) {
  if (rng() % 2) return MessageId{rng()};
  return std::nullopt;
}

UpdateBody random_body(std::mt19937_64& rng) {
  switch (rng() % kMaxUpdateKind) {
    case 0:
      return MessageCreated{MessageId{rng()}, ClientMsgId{rng(), rng()}, random_text(rng, 40),
                            maybe_id(rng)};
    case 1:
      return MessageEdited{MessageId{rng()}, random_text(rng, 40),
                           static_cast<std::uint32_t>(rng() % 0x80000000u)};
    case 2: return MessageDeleted{MessageId{rng()}, rng() % 2 == 0};
    case 3: return ReadReceipt{UserId{rng()}, MessageId{rng()}};
    case 4: return ThreadCreated{random_text(rng, 10), random_users(rng)};
    case 5: return ParticipantsChanged{random_users(rng), random_users(rng)};
    case 6: return ThreadRenamed{random_text(rng, 10)};
    case 7: return ReactionChanged{MessageId{rng()}, random_text(rng, 4)};
    case 8: return ContactChanged{UserId{rng()}, static_cast<Relation>(rng() % 3)};
    case 9: return FolderChanged{static_cast<Folder>(rng() % 3)};
    default: return SettingsChanged{static_cast<GroupAdd>(rng() % 3)};
  }
}

Timestamp random_time(std::mt19937_64& rng) {
  return ms(static_cast<std::int64_t>(rng() >> 1) - static_cast<std::int64_t>(rng() >> 2));
}

}  // namespace

std::vector<Message> sample_messages() {
  std::vector<Message> out;

  DeltaBatch all_kinds{Epoch{0x1234567890abcdefULL}, Seq{100}, Seq{100}, {}, false};
  for (auto& body : every_body()) {
    all_kinds.updates.push_back(
        Update{all_kinds.last_seq, ms(1'700'000'000'123), ThreadId{9}, UserId{3}, body});
    all_kinds.last_seq = next(all_kinds.last_seq);
  }
  all_kinds.last_seq = Seq{all_kinds.last_seq.value() - 1};
  out.push_back(all_kinds);
  out.push_back(DeltaBatch{Epoch{kMax}, Seq{kMax}, Seq{kMax},
                           {Update{Seq{kMax}, ms(std::numeric_limits<std::int64_t>::max()),
                                   ThreadId{kMax}, UserId{kMax}, MessageDeleted{MessageId{kMax}}}},
                           false});
  out.push_back(DeltaBatch{Epoch{1}, Seq{1}, Seq{1000}, {}, true});
  out.push_back(DeltaBatch{Epoch{1}, Seq{1}, Seq{1000},
                           {Update{Seq{3}, ms(std::numeric_limits<std::int64_t>::min()),
                                   ThreadId{0}, UserId{0}, ThreadRenamed{"x"}},
                            Update{Seq{1000}, ms(0), ThreadId{1}, UserId{2},
                                   ReadReceipt{UserId{2}, MessageId{8}}}},
                           true});
  DeltaBatch vanished{Epoch{1}, Seq{1}, Seq{10}, {}, true};
  vanished.vanished = {{ThreadId{4}, 2}, {ThreadId{kMax}, 0x7fffffff}};
  out.push_back(vanished);

  Snapshot snap{Epoch{77}, Seq{12345}, {}};
  snap.threads.push_back(ThreadState{
      ThreadId{5},
      "Family",
      {UserId{1}, UserId{2}, UserId{kMax}},
      {ThreadMessage{MessageId{10}, UserId{1}, ms(1'700'000'000'000), "dinner at 8?", std::nullopt},
       ThreadMessage{MessageId{11}, UserId{2}, ms(1'700'000'060'000), "yes 👍", MessageId{10}},
       ThreadMessage{.message = MessageId{12}, .sender = UserId{2}, .time = ms(1'700'000'070'000), .text = "", .reply_to = std::nullopt, .attachments = sample_attachments()}},
      2,
      {ReadWatermark{UserId{1}, MessageId{11}}, ReadWatermark{UserId{2}, MessageId{10}}}});
  snap.threads.push_back(ThreadState{ThreadId{kMax}, "", {}, {}, 0x7fffffff, {}});
  snap.threads.push_back(ThreadState{
      ThreadId{6}, "edited", {UserId{1}}, {ThreadMessage{MessageId{12}, UserId{1}, ms(5), "v3", std::nullopt, 2,
                                                         {{UserId{1}, "❤"}, {UserId{kMax}, "+1"}}}},
      0, {}});
  out.push_back(snap);
  out.push_back(Snapshot{});
  // Since version 6: folders and the social state.
  Snapshot social{Epoch{2}, Seq{3}, {}};
  social.threads.push_back(ThreadState{ThreadId{9}, "stranger", {UserId{1}, UserId{2}}, {}, 1, {}});
  social.threads.back().folder = Folder::requests;
  social.threads.push_back(ThreadState{ThreadId{10}, "old", {UserId{1}}, {}, 0, {}});
  social.threads.back().folder = Folder::archived;
  social.contacts = {UserId{3}, UserId{kMax}};
  social.blocked = {UserId{4}};
  social.group_add = GroupAdd::nobody;
  out.push_back(social);

  out.push_back(ResumeRequest{Epoch{3}, Seq{0}, 0});
  out.push_back(ResumeRequest{Epoch{kMax}, Seq{kMax}, 0x7fffffff});
  out.push_back(ResumeRequest{Epoch{5}, Seq{9}, 10, true});
  out.push_back(ResumeRequest{Epoch{5}, Seq{9}, 10, false, 4});  // protocol_version: since 4
  out.push_back(ResumeRequest{Epoch{5}, Seq{9}, 10, true, 0x7fffffff});
  out.push_back(Resync{ResyncReason::too_old, Epoch{1}, Seq{2}, std::nullopt, std::nullopt});
  out.push_back(Resync{ResyncReason::epoch_changed, Epoch{kMax}, Seq{0}, std::nullopt, ThreadId{4}});
  out.push_back(Resync{ResyncReason::backlog_too_large, Epoch{5}, Seq{kMax}, std::nullopt,
                       std::nullopt});
  out.push_back(Resync{ResyncReason::temporary, Epoch{5}, Seq{6},
                       std::chrono::milliseconds{0x7fffffff}, std::nullopt});
  out.push_back(SendRequest{ClientMsgId{1, 2}, ThreadId{3}, "hi", std::nullopt});
  out.push_back(SendRequest{ClientMsgId{1, 3}, ThreadId{3}, "", std::nullopt, sample_attachments()});
  out.push_back(SendRequest{ClientMsgId{kMax, kMax}, ThreadId{kMax}, "réponse", MessageId{kMax}});
  out.push_back(SendResult{ClientMsgId{1, 2}, ThreadId{3}, MessageId{4}, Seq{5}, ms(6)});
  out.push_back(SendResult{ClientMsgId{}, ThreadId{}, std::nullopt, Seq{}, ms(0)});
  out.push_back(Error{ClientMsgId{9, 9}, ErrorCode::not_participant, "not a participant"});
  out.push_back(Error{std::nullopt, ErrorCode::internal, ""});
  out.push_back(Error{std::nullopt, ErrorCode::unavailable, "try again"});
  // Since version 4: retry_after_ms, queue_full, forbidden.
  out.push_back(Error{ClientMsgId{1, 5}, ErrorCode::rate_limited, "slow down", std::chrono::milliseconds{250}});
  out.push_back(Error{std::nullopt, ErrorCode::rate_limited, "", std::chrono::milliseconds{0x7fffffff}});
  out.push_back(Error{ClientMsgId{1, 6}, ErrorCode::queue_full, "your share of user 2's queue is used up"});
  out.push_back(Error{ClientMsgId{1, 7}, ErrorCode::forbidden, "only the owner removes others"});
  out.push_back(ReadRequest{ThreadId{1}, MessageId{2}});
  out.push_back(ReadRequest{ThreadId{kMax}, MessageId{kMax}});
  out.push_back(CreateThreadRequest{ClientMsgId{1, 1}, "Trip", {UserId{2}, UserId{3}}});
  out.push_back(CreateThreadRequest{ClientMsgId{}, "", {}});
  out.push_back(RenameThreadRequest{ClientMsgId{2, 2}, ThreadId{8}, "Trip 2025 ✈"});
  out.push_back(ChangeParticipantsRequest{ClientMsgId{3, 3}, ThreadId{8}, {UserId{4}}, {}});
  out.push_back(ChangeParticipantsRequest{ClientMsgId{kMax, 0}, ThreadId{kMax}, {}, {UserId{kMax}}});
  out.push_back(Ack{Epoch{1}, Seq{1}});
  out.push_back(Ack{Epoch{kMax}, Seq{kMax}});
  out.push_back(Heartbeat{Epoch{1}, Seq{0}});
  out.push_back(Heartbeat{Epoch{kMax}, Seq{kMax}});
  out.push_back(Typing{ThreadId{1}, UserId{2}, true});
  out.push_back(Typing{ThreadId{kMax}, UserId{kMax}, false});
  out.push_back(ThreadPage{ThreadId{1}, {}, false});
  out.push_back(ThreadPage{ThreadId{kMax},
                           {ThreadMessage{MessageId{1}, UserId{2}, ms(3), "first", std::nullopt},
                            ThreadMessage{MessageId{kMax}, UserId{kMax}, ms(4), "réponse ✈", MessageId{1}}},
                           true});
  // Since version 5.
  out.push_back(MessageActionRequest{ClientMsgId{4, 4}, ThreadId{8}, MessageId{9}, MessageAction::edit, "fixed"});
  out.push_back(MessageActionRequest{ClientMsgId{4, 5}, ThreadId{kMax}, MessageId{kMax}, MessageAction::unsend, ""});
  out.push_back(MessageActionRequest{ClientMsgId{4, 6}, ThreadId{1}, MessageId{2}, MessageAction::delete_for_me, ""});
  out.push_back(MessageActionRequest{ClientMsgId{4, 7}, ThreadId{1}, MessageId{2}, MessageAction::react, "🎉"});
  out.push_back(Badge{0, 0, Epoch{1}, Seq{0}});
  out.push_back(Badge{0x7fffffff, 12, Epoch{kMax}, Seq{kMax}});
  out.push_back(Error{ClientMsgId{1, 8}, ErrorCode::too_late, "past the edit window"});
  out.push_back(Error{ClientMsgId{1, 9}, ErrorCode::unknown_message, "no such message"});
  // Since version 6.
  out.push_back(Error{ClientMsgId{1, 10}, ErrorCode::not_accepted, "not accepted"});
  out.push_back(SocialRequest{ClientMsgId{5, 1}, SocialAction::add_contact, UserId{kMax}, ThreadId{}, GroupAdd::contacts});
  out.push_back(SocialRequest{ClientMsgId{5, 2}, SocialAction::block, UserId{2}, ThreadId{}, GroupAdd::contacts});
  out.push_back(SocialRequest{ClientMsgId{5, 3}, SocialAction::accept, UserId{}, ThreadId{kMax}, GroupAdd::contacts});
  out.push_back(SocialRequest{ClientMsgId{5, 4}, SocialAction::set_group_add, UserId{}, ThreadId{}, GroupAdd::nobody});
  out.push_back(ContactList{});
  out.push_back(ContactList{{UserId{1}, UserId{kMax}}, {UserId{7}}, GroupAdd::anyone});
  return out;
}

Message random_message(std::mt19937_64& rng) {
  switch (rng() % std::variant_size_v<Message>) {
    case 0: {
      DeltaBatch b{Epoch{rng()}, Seq{1 + rng() % 1000}, Seq{}, {}, rng() % 2 == 0};
      const std::uint64_t n = rng() % 12;
      std::uint64_t seq = b.first_seq.value();
      for (std::uint64_t i = 0; i < n; ++i) {
        b.updates.push_back(Update{Seq{seq}, random_time(rng), ThreadId{rng()}, UserId{rng()},
                                   random_body(rng)});
        seq += b.folded ? 1 + rng() % 3 : 1;
      }
      b.last_seq = Seq{seq - (b.folded ? 0 : 1)};
      if (b.last_seq < b.first_seq) b.last_seq = b.first_seq;
      if (!b.folded && b.updates.empty()) b.folded = true;
      return b;
    }
    case 1: {
      Snapshot s{Epoch{rng()}, Seq{rng()}, {}};
      for (auto n = rng() % 4; n > 0; --n) {
        ThreadState t{ThreadId{rng()}, random_text(rng, 12), random_users(rng), {},
                      static_cast<std::uint32_t>(rng() % 0x80000000u), {}};
        for (auto k = rng() % 4; k > 0; --k) {
          t.latest_messages.push_back(ThreadMessage{MessageId{rng()}, UserId{rng()},
                                                    random_time(rng), random_text(rng, 40),
                                                    maybe_id(rng)});
        }
        for (auto k = rng() % 3; k > 0; --k) {
          t.read_watermarks.push_back(ReadWatermark{UserId{rng()}, MessageId{rng()}});
        }
        t.folder = static_cast<Folder>(rng() % 3);
        s.threads.push_back(std::move(t));
      }
      if (rng() % 2) s.contacts = random_users(rng);
      if (rng() % 2) s.blocked = random_users(rng);
      s.group_add = static_cast<GroupAdd>(rng() % 3);
      return s;
    }
    case 2:
      return ResumeRequest{Epoch{rng()}, Seq{rng()}, static_cast<std::uint32_t>(rng() % 0x80000000u)};
    case 3: {
      Resync r{static_cast<ResyncReason>(1 + rng() % 4), Epoch{rng()}, Seq{rng()}, {}, {}};
      if (rng() % 2) r.retry_after = std::chrono::milliseconds{rng() % 0x80000000u};
      if (rng() % 2) r.thread = ThreadId{rng()};
      return r;
    }
    case 4:
      return SendRequest{ClientMsgId{rng(), rng()}, ThreadId{rng()}, random_text(rng, 60),
                         maybe_id(rng)};
    case 5:
      return SendResult{ClientMsgId{rng(), rng()}, ThreadId{rng()}, maybe_id(rng), Seq{rng()},
                        random_time(rng)};
    case 6: {
      Error e{std::nullopt, static_cast<ErrorCode>(1 + rng() % 13), random_text(rng, 20)};
      if (rng() % 2) e.client_id = ClientMsgId{rng(), rng()};
      return e;
    }
    case 7: return ReadRequest{ThreadId{rng()}, MessageId{rng()}};
    case 8: return CreateThreadRequest{ClientMsgId{rng(), rng()}, random_text(rng, 10), random_users(rng)};
    case 9: return RenameThreadRequest{ClientMsgId{rng(), rng()}, ThreadId{rng()}, random_text(rng, 10)};
    case 10:
      return ChangeParticipantsRequest{ClientMsgId{rng(), rng()}, ThreadId{rng()}, random_users(rng),
                                       random_users(rng)};
    case 11: return Ack{Epoch{rng()}, Seq{rng()}};
    case 12: return Heartbeat{Epoch{rng()}, Seq{rng()}};
    case 13: return Typing{ThreadId{rng()}, UserId{rng()}, rng() % 2 == 0};
    case 15:
      return MessageActionRequest{ClientMsgId{rng(), rng()}, ThreadId{rng()}, MessageId{rng()},
                                  static_cast<MessageAction>(1 + rng() % 4), random_text(rng, 20)};
    case 17:
      return SocialRequest{ClientMsgId{rng(), rng()}, static_cast<SocialAction>(1 + rng() % 8),
                           UserId{rng()}, ThreadId{rng()}, static_cast<GroupAdd>(rng() % 3)};
    case 18: return ContactList{random_users(rng), random_users(rng), static_cast<GroupAdd>(rng() % 3)};
    case 16:
      return Badge{static_cast<std::uint32_t>(rng() % 0x80000000u),
                   static_cast<std::uint32_t>(rng() % 0x80000000u), Epoch{rng()}, Seq{rng()}};
    default: {
      ThreadPage p{ThreadId{rng()}, {}, rng() % 2 == 0};
      for (auto k = rng() % 5; k > 0; --k) {
        p.messages.push_back(ThreadMessage{MessageId{rng()}, UserId{rng()}, random_time(rng),
                                           random_text(rng, 40), maybe_id(rng)});
      }
      return p;
    }
  }
}

std::string name_of(const Message& m) {
  static const char* const kNames[] = {
      "DeltaBatch",          "Snapshot",           "ResumeRequest",
      "Resync",              "SendRequest",        "SendResult",
      "Error",               "ReadRequest",        "CreateThreadRequest",
      "RenameThreadRequest", "ChangeParticipantsRequest", "Ack",
      "Heartbeat",           "Typing",             "ThreadPage",
      "MessageActionRequest", "Badge",              "SocialRequest",
      "ContactList"};
  static_assert(std::size(kNames) == std::variant_size_v<Message>);
  return kNames[m.index()];
}

}  // namespace iris::wire::testing
