#include "mqtt/subscription_table.h"

#include <algorithm>

namespace iris::mqtt {

struct SubscriptionTable::Node {
  // Keys are levels, including the literal "+" and "#" wildcard levels.
  std::map<std::string, std::unique_ptr<Node>, std::less<>> children;
  std::vector<SubscriptionEntry> entries;

  const Node* child(std::string_view level) const {
    const auto it = children.find(level);
    return it == children.end() ? nullptr : it->second.get();
  }
};

namespace {

// Splits off the first level: "a/b/c" -> "a", rest "b/c"; the last level has no rest.
std::string_view first_level(std::string_view s, std::optional<std::string_view>& rest) {
  const std::size_t slash = s.find('/');
  if (slash == std::string_view::npos) {
    rest.reset();
    return s;
  }
  rest = s.substr(slash + 1);
  return s.substr(0, slash);
}

}  // namespace

SubscriptionTable::SubscriptionTable() : root_(std::make_unique<Node>()) {}
SubscriptionTable::~SubscriptionTable() = default;

bool SubscriptionTable::subscribe(std::string_view filter, const SubscriptionEntry& entry) {
  Node* node = root_.get();
  std::optional<std::string_view> rest = filter;
  while (rest) {
    const std::string_view level = first_level(*rest, rest);
    auto it = node->children.find(level);
    if (it == node->children.end()) {
      it = node->children.emplace(std::string(level), std::make_unique<Node>()).first;
    }
    node = it->second.get();
  }
  for (auto& e : node->entries) {
    if (e.subscriber == entry.subscriber) {
      e = entry;
      return false;
    }
  }
  node->entries.push_back(entry);
  ++size_;
  return true;
}

bool SubscriptionTable::unsubscribe(std::string_view filter, SubscriberId subscriber) {
  // Walk down remembering the path, then prune nodes left empty on the way back up.
  std::vector<std::pair<Node*, std::map<std::string, std::unique_ptr<Node>>::iterator>> path;
  Node* node = root_.get();
  std::optional<std::string_view> rest = filter;
  while (rest) {
    const std::string_view level = first_level(*rest, rest);
    const auto it = node->children.find(level);
    if (it == node->children.end()) return false;
    path.emplace_back(node, it);
    node = it->second.get();
  }
  const auto e = std::find_if(node->entries.begin(), node->entries.end(),
                              [&](const SubscriptionEntry& x) { return x.subscriber == subscriber; });
  if (e == node->entries.end()) return false;
  node->entries.erase(e);
  --size_;
  for (auto p = path.rbegin(); p != path.rend(); ++p) {
    const Node& child = *p->second->second;
    if (!child.entries.empty() || !child.children.empty()) break;
    p->first->children.erase(p->second);
  }
  return true;
}

namespace {

struct Collector {
  std::optional<SubscriberId> publisher;
  std::vector<Match>& out;

  void add(const std::vector<SubscriptionEntry>& entries) {
    for (const auto& e : entries) {
      if (e.options.no_local && publisher && *publisher == e.subscriber) continue;
      Match m{e.subscriber, e.options.max_qos, e.options.retain_as_published, {}};
      if (e.subscription_id != 0) m.subscription_ids.push_back(e.subscription_id);
      out.push_back(std::move(m));
    }
  }
};

}  // namespace

void SubscriptionTable::match(std::string_view topic, std::optional<SubscriberId> publisher,
                              std::vector<Match>& out) const {
  const std::size_t first = out.size();
  Collector collect{publisher, out};
  // MQTT-4.7.2-1: wildcards at the first level never match a '$' topic.
  const bool dollar = !topic.empty() && topic.front() == '$';
  // Depth-first over (node, remaining topic); a small explicit stack avoids recursion.
  struct Frame {
    const Node* node;
    std::optional<std::string_view> rest;
    bool first_level;
  };
  std::vector<Frame> stack = {{root_.get(), topic, true}};
  while (!stack.empty()) {
    const Frame f = stack.back();
    stack.pop_back();
    const bool wildcards = !(f.first_level && dollar);
    if (!f.rest) {
      collect.add(f.node->entries);
      // "a/#" also matches "a" (MQTT 5.0 §4.7.1.2).
      if (const Node* hash = f.node->child("#")) collect.add(hash->entries);
      continue;
    }
    std::optional<std::string_view> rest = f.rest;
    const std::string_view level = first_level(*f.rest, rest);
    if (wildcards) {
      if (const Node* hash = f.node->child("#")) collect.add(hash->entries);
      if (const Node* plus = f.node->child("+")) stack.push_back({plus, rest, false});
    }
    if (const Node* exact = f.node->child(level)) stack.push_back({exact, rest, false});
  }
  // One delivery per subscriber: merge its matches (MQTT 5.0 §3.3.4 allows either).
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
            [](const Match& a, const Match& b) { return a.subscriber < b.subscriber; });
  std::size_t w = first;
  for (std::size_t r = first; r < out.size(); ++r) {
    if (w > first && out[w - 1].subscriber == out[r].subscriber) {
      Match& m = out[w - 1];
      m.max_qos = std::max(m.max_qos, out[r].max_qos);
      m.retain_as_published = m.retain_as_published || out[r].retain_as_published;
      m.subscription_ids.insert(m.subscription_ids.end(), out[r].subscription_ids.begin(),
                                out[r].subscription_ids.end());
    } else {
      if (w != r) out[w] = std::move(out[r]);
      ++w;
    }
  }
  out.resize(w);
}

}  // namespace iris::mqtt
