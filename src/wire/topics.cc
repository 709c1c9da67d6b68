#include "wire/topics.h"

#include <array>

namespace iris::wire {
namespace {

constexpr std::array<std::string_view, 5> kLeaves = {"sync", "deltas", "responses", "trace", "notify"};

// The level between `root`/ and /`leaf` of `topic`, when it has exactly that shape.
std::optional<std::string_view> middle_level(std::string_view topic, std::string_view root,
                                             std::string_view leaf) {
  const std::size_t fixed = root.size() + 1 + 1 + leaf.size();
  if (topic.size() <= fixed || !topic.starts_with(root) || topic[root.size()] != '/' ||
      !topic.ends_with(leaf) || topic[topic.size() - leaf.size() - 1] != '/') {
    return std::nullopt;
  }
  const std::string_view level = topic.substr(root.size() + 1, topic.size() - fixed);
  if (level.find('/') != std::string_view::npos) return std::nullopt;
  return level;
}

std::string join(std::string_view root, std::string_view middle, std::string_view leaf) {
  std::string out;
  out.reserve(root.size() + middle.size() + leaf.size() + 2);
  out.append(root).append("/").append(middle);
  if (!leaf.empty()) out.append("/").append(leaf);
  return out;
}

}  // namespace

std::string_view leaf_name(UserTopic topic) { return kLeaves[static_cast<std::size_t>(topic)]; }

std::string user_topic(std::string_view user, UserTopic leaf) {
  return join(kUserRoot, user, leaf_name(leaf));
}

std::string user_topic(core::UserId user, UserTopic leaf) {
  return user_topic(std::to_string(user.value()), leaf);
}

std::string typing_topic(core::ThreadId thread) {
  return join(kThreadRoot, std::to_string(thread.value()), kTypingLeaf);
}

std::string typing_json_topic(core::ThreadId thread) { return typing_topic(thread) + "/json"; }

std::string thread_root(core::ThreadId thread) {
  return join(kThreadRoot, std::to_string(thread.value()), {});
}

std::optional<std::string_view> user_of_topic(std::string_view topic, UserTopic leaf) {
  return middle_level(topic, kUserRoot, leaf_name(leaf));
}

std::optional<std::string_view> thread_of_typing_topic(std::string_view topic) {
  return middle_level(topic, kThreadRoot, kTypingLeaf);
}

}  // namespace iris::wire
