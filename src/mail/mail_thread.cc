#include "mail/mail_thread.h"

#include <algorithm>

#include "mail/detail/digest.h"

namespace iris::mail {
namespace {

core::ClientMsgId key_of(const std::array<std::uint8_t, 32>& d) {
  return core::ClientMsgId{detail::first64(d, 0), detail::first64(d, 8)};
}

std::string strip_brackets(std::string_view id) {
  auto ids = message_ids(id, 1);
  if (!ids.empty()) return ids.front();
  // GMime hands the Message-ID without brackets; keep what it gave, trimmed.
  while (!id.empty() && (id.front() == ' ' || id.front() == '\t')) id.remove_prefix(1);
  while (!id.empty() && (id.back() == ' ' || id.back() == '\t' || id.back() == '\r' || id.back() == '\n')) {
    id.remove_suffix(1);
  }
  return std::string(id);
}

}  // namespace

std::vector<std::string> message_ids(std::string_view value, std::size_t max) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (out.size() < max) {
    const auto open = value.find('<', i);
    if (open == std::string_view::npos) break;
    const auto close = value.find('>', open + 1);
    if (close == std::string_view::npos) break;
    std::string id;
    for (char c : value.substr(open + 1, close - open - 1)) {
      // Folding whitespace inside an id is not part of it.
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') id.push_back(c);
    }
    if (!id.empty()) out.push_back(std::move(id));
    i = close + 1;
  }
  return out;
}

std::string thread_root(std::string_view message_id, std::string_view in_reply_to,
                        std::string_view references) {
  if (auto refs = message_ids(references, 1); !refs.empty()) return refs.front();
  if (auto parent = message_ids(in_reply_to, 1); !parent.empty()) return parent.front();
  return strip_brackets(message_id);
}

core::ClientMsgId thread_key(std::string_view root, std::span<const core::UserId> recipients) {
  std::vector<std::uint64_t> ids;
  ids.reserve(recipients.size());
  for (auto r : recipients) ids.push_back(r.value());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::string list;
  for (auto id : ids) list += std::to_string(id) + ",";
  return key_of(detail::digest({"thread", root, list}));
}

core::ClientMsgId message_key(std::string_view message_id, std::string_view digest_source) {
  const std::string id = strip_brackets(message_id);
  if (!id.empty()) return key_of(detail::digest({"message-id", id}));
  return key_of(detail::digest({"message-bytes", digest_source}));
}

}  // namespace iris::mail
