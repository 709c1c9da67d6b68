#include "store/detail/history_rules.h"

#include <algorithm>

#include "core/thread_fold.h"
#include "store/detail/record_codec.h"
#include "store/errc.h"

namespace iris::store::detail {

using core::ThreadId;
using core::UserId;

std::string encode_participants(const std::vector<UserId>& users) {
  std::string out;
  out.reserve(users.size() * 8);
  for (auto u : users) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(u.value() >> shift));
  }
  return out;
}

std::vector<UserId> decode_participants(std::string_view bytes) {
  std::vector<UserId> out;
  out.reserve(bytes.size() / 8);
  for (std::size_t i = 0; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t v = 0;
    for (std::size_t j = 0; j < 8; ++j) v = (v << 8) | static_cast<unsigned char>(bytes[i + j]);
    out.emplace_back(v);
  }
  return out;
}

Result<void> HistoryApplier::apply(const HistoryBatch& b) {
  auto stored = tables_.get_position(b.user);
  if (!stored) return fail(stored.error());
  HistoryPosition pos = stored->value_or(HistoryPosition{});
  if (pos.epoch != b.epoch) {
    if (auto r = tables_.clear_user(b.user); !r) return r;
    pos = {b.epoch, core::Seq{0}};
  }
  std::optional<ThreadId> known_thread;  // consecutive updates mostly share a thread
  for (const auto& u : b.updates) {
    if (u.seq <= pos.seq) continue;
    if (auto r = apply_update(b.user, u, known_thread); !r) return r;
    pos.seq = u.seq;
  }
  return tables_.put_position(b.user, pos);
}

Result<bool> HistoryApplier::shared_body(const HistoryBody& body) {
  if (last_body_ && last_body_->thread == body.thread && last_body_->message == body.message) {
    return *last_body_ == body;
  }
  auto stored = tables_.body(body.thread, body.message);
  if (!stored) return fail(stored.error());
  if (*stored) {
    last_body_ = std::move(**stored);
    return *last_body_ == body;
  }
  auto put = tables_.put_body(body);
  if (!put) return fail(put.error());
  if (!*put) {
    // Stored meanwhile by another writer: compare with what it stored.
    auto now = tables_.body(body.thread, body.message);
    if (!now) return fail(now.error());
    if (!*now) return fail(errc::corrupt_record);
    last_body_ = std::move(**now);
    return *last_body_ == body;
  }
  last_body_ = body;
  return true;
}

// An edit or a reaction folded into the message's shown row with the queue snapshot's rules.
Result<void> HistoryApplier::fold_into_shown(UserId user, const core::Update& u) {
  const auto* edit = std::get_if<core::MessageEdited>(&u.body);
  const auto* reaction = std::get_if<core::ReactionChanged>(&u.body);
  const core::MessageId message = edit ? edit->message : reaction->message;
  auto folds = tables_.folds(user, u.thread, message);
  if (!folds) return fail(folds.error());
  if (!*folds) return {};  // not (or no longer) shown: nothing to fold into, as in the inbox
  if (edit) {
    return tables_.set_edit(user, u.thread, message, u.seq, core::count_after_edit((*folds)->edit_count, *edit));
  }
  core::apply_reaction((*folds)->reactions, u.actor, *reaction);
  record_.clear();
  encode_reactions((*folds)->reactions, record_);
  return tables_.set_reactions(user, u.thread, message, record_);
}

Result<void> HistoryApplier::strip_unsent(UserId user, ThreadId thread, core::MessageId message) {
  if (auto r = tables_.strip_body(thread, message); !r) return r;
  if (last_body_ && last_body_->thread == thread && last_body_->message == message) last_body_.reset();
  auto records = tables_.message_records(user, thread, message);
  if (!records) return fail(records.error());
  for (const auto& [seq, record] : *records) {
    auto u = decode_update(record, seq);
    if (!u) return fail(u.error());
    const auto before = u->body;
    core::strip_unsent(u->body);
    if (u->body == before) continue;
    record_.clear();
    encode_update(*u, record_);
    if (auto r = tables_.set_record(user, seq, record_); !r) return r;
  }
  return {};
}

// The materialized-inbox rules of history_store.h (core::apply_to_thread), as table operations.
// `known_thread` is the thread whose row this transaction already made sure of.
Result<void> HistoryApplier::apply_update(UserId user, const core::Update& u,
                                          std::optional<ThreadId>& known_thread) {
  if (core::is_social(core::kind_of(u.body))) {
    // A user's social state lives in the social store (store/social/social_store.h); the
    // log keeps the update for updates(), and no thread row is made for it.
    record_.clear();
    encode_update(u, record_);
    return tables_.put_log(user, u.seq, HistoryLogRow{std::nullopt, std::nullopt, std::nullopt, record_});
  }
  if (known_thread != u.thread) {
    if (auto r = tables_.ensure_thread(user, u.thread); !r) return r;
    known_thread = u.thread;
  }
  auto log_with_record = [&]() {
    record_.clear();
    encode_update(u, record_);
    return tables_.put_log(user, u.seq, HistoryLogRow{std::nullopt, std::nullopt, std::nullopt, record_});
  };
  return std::visit(
      [&](const auto& b) -> Result<void> {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, core::MessageCreated>) {
          if (auto r = tables_.hide(user, u.thread, b.message); !r) return r;
          auto shared = shared_body(HistoryBody{u.thread, b.message, u.actor, u.time, b.client_id, b.text, b.reply_to, b.attachments});
          if (!shared) return fail(shared.error());
          HistoryLogRow row{u.thread, b.message, u.actor == user ? 1 : 0, std::nullopt};
          if (!*shared) {
            record_.clear();
            encode_update(u, record_);
            row.record = record_;
          }
          return tables_.put_log(user, u.seq, row);
        } else if constexpr (std::is_same_v<T, core::MessageEdited>) {
          record_.clear();
          encode_update(u, record_);
          if (auto r = tables_.put_log(user, u.seq, HistoryLogRow{u.thread, b.message, std::nullopt, record_}); !r) {
            return r;
          }
          return fold_into_shown(user, u);
        } else if constexpr (std::is_same_v<T, core::MessageDeleted>) {
          if (auto r = log_with_record(); !r) return r;
          if (auto r = tables_.hide(user, u.thread, b.message); !r) return r;
          return b.for_me ? Result<void>{} : strip_unsent(user, u.thread, b.message);
        } else if constexpr (std::is_same_v<T, core::ReadReceipt>) {
          if (auto r = log_with_record(); !r) return r;
          return tables_.raise_watermark(user, u.thread, b.reader, b.up_to);
        } else if constexpr (std::is_same_v<T, core::ThreadCreated>) {
          if (auto r = log_with_record(); !r) return r;
          if (auto r = tables_.set_name(user, u.thread, b.name); !r) return r;
          return tables_.set_participants(user, u.thread, b.participants);
        } else if constexpr (std::is_same_v<T, core::ThreadRenamed>) {
          if (auto r = log_with_record(); !r) return r;
          return tables_.set_name(user, u.thread, b.name);
        } else if constexpr (std::is_same_v<T, core::ReactionChanged>) {
          if (auto r = log_with_record(); !r) return r;
          return fold_into_shown(user, u);
        } else if constexpr (std::is_same_v<T, core::ContactChanged> ||
                             std::is_same_v<T, core::FolderChanged> ||
                             std::is_same_v<T, core::SettingsChanged>) {
          return log_with_record();  // not reached: handled above
        } else {
          static_assert(std::is_same_v<T, core::ParticipantsChanged>);
          if (auto r = log_with_record(); !r) return r;
          auto ps = tables_.participants(user, u.thread);
          if (!ps) return fail(ps.error());
          for (auto p : b.added) {
            if (std::find(ps->begin(), ps->end(), p) == ps->end()) ps->push_back(p);
          }
          for (auto p : b.removed) std::erase(*ps, p);
          return tables_.set_participants(user, u.thread, *ps);
        }
      },
      u.body);
}

}  // namespace iris::store::detail
