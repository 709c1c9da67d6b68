#include "mqtt/topic.h"

namespace iris::mqtt {

bool is_valid_topic_name(std::string_view topic) {
  return !topic.empty() && topic.find_first_of("+#") == std::string_view::npos;
}

bool is_valid_topic_filter(std::string_view filter) {
  if (filter.empty()) return false;
  for (std::size_t i = 0; i < filter.size(); ++i) {
    const char c = filter[i];
    const bool level_start = i == 0 || filter[i - 1] == '/';
    const bool level_end = i + 1 == filter.size() || filter[i + 1] == '/';
    if (c == '+' && !(level_start && level_end)) return false;
    if (c == '#' && !(level_start && i + 1 == filter.size())) return false;
  }
  return true;
}

bool has_wildcard(std::string_view filter) {
  return filter.find_first_of("+#") != std::string_view::npos;
}

bool visible_to_wildcards(std::string_view topic, std::span<const std::string> hidden_roots) {
  if (!topic.empty() && topic.front() == '$') return false;
  if (hidden_roots.empty()) return true;
  const std::string_view root = topic.substr(0, topic.find('/'));
  return std::none_of(hidden_roots.begin(), hidden_roots.end(),
                      [root](const std::string& h) { return h == root; });
}

bool topic_matches(std::string_view filter, std::string_view topic,
                   std::span<const std::string> hidden_roots) {
  if (!filter.empty() && (filter.front() == '+' || filter.front() == '#') &&
      !visible_to_wildcards(topic, hidden_roots)) {
    return false;
  }
  std::size_t f = 0;
  std::size_t t = 0;
  while (true) {
    const std::size_t f_end = std::min(filter.find('/', f), filter.size());
    const std::string_view f_level = filter.substr(f, f_end - f);
    if (f_level == "#") return true;  // also matches the parent: "a/#" matches "a"
    const std::size_t t_end = std::min(topic.find('/', t), topic.size());
    if (f_level != "+" && f_level != topic.substr(t, t_end - t)) return false;
    const bool f_last = f_end == filter.size();
    const bool t_last = t_end == topic.size();
    if (f_last && t_last) return true;
    if (f_last) return false;
    if (t_last) {
      // Only "<...>/#" can still match: "#" includes the parent level.
      return filter.substr(f_end + 1) == "#";
    }
    f = f_end + 1;
    t = t_end + 1;
  }
}

bool is_shared_subscription(std::string_view filter) {
  return filter.starts_with("$share/");
}

std::optional<SharedFilter> parse_shared_subscription(std::string_view filter) {
  constexpr std::string_view kPrefix = "$share/";
  if (!filter.starts_with(kPrefix)) return std::nullopt;
  const std::string_view rest = filter.substr(kPrefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  const std::string_view group = rest.substr(0, slash);
  if (group.find_first_of("+#") != std::string_view::npos) return std::nullopt;
  const std::string_view inner = rest.substr(slash + 1);
  if (!is_valid_topic_filter(inner)) return std::nullopt;
  return SharedFilter{group, inner};
}

std::string_view inner_filter(std::string_view filter) {
  const auto shared = parse_shared_subscription(filter);
  return shared ? shared->filter : filter;
}

}  // namespace iris::mqtt
