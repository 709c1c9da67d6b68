#include "mqtt/subscription_table.h"

#include <algorithm>

#include "mqtt/topic.h"

namespace iris::mqtt {

struct SubscriptionTable::Node {
  // Keys are levels, including the literal "+" and "#" wildcard levels.
  std::map<std::string, std::unique_ptr<Node>, std::less<>> children;
  std::vector<SubscriptionEntry> entries;
  // Shared subscriptions to this node's filter, by Share Name.
  struct Group {
    std::string filter;  // the inner filter, as subscribed: names the group with its key
    std::vector<SubscriptionEntry> members;
    mutable std::size_t next = 0;  // whose turn it is; advanced by the const match()
  };
  std::map<std::string, Group, std::less<>> groups;

  bool empty() const { return entries.empty() && groups.empty() && children.empty(); }

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

SubscriptionTable::SubscriptionTable(std::vector<std::string> hidden_roots)
    : hidden_roots_(std::move(hidden_roots)), root_(std::make_unique<Node>()) {}
SubscriptionTable::~SubscriptionTable() = default;

bool SubscriptionTable::subscribe(std::string_view filter, const SubscriptionEntry& entry,
                                  std::string_view share) {
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
  std::vector<SubscriptionEntry>* entries = &node->entries;
  if (!share.empty()) {
    auto g = node->groups.find(share);
    if (g == node->groups.end()) {
      g = node->groups.emplace(std::string(share), Node::Group{std::string(filter), {}, 0}).first;
    }
    entries = &g->second.members;
  }
  for (auto& e : *entries) {
    if (e.subscriber == entry.subscriber) {
      e = entry;
      return false;
    }
  }
  entries->push_back(entry);
  ++size_;
  return true;
}

bool SubscriptionTable::unsubscribe(std::string_view filter, SubscriberId subscriber,
                                    std::string_view share) {
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
  std::vector<SubscriptionEntry>* entries = &node->entries;
  const auto group = node->groups.find(share);
  if (!share.empty()) {
    if (group == node->groups.end()) return false;
    entries = &group->second.members;
  }
  const auto e = std::find_if(entries->begin(), entries->end(),
                              [&](const SubscriptionEntry& x) { return x.subscriber == subscriber; });
  if (e == entries->end()) return false;
  entries->erase(e);
  if (!share.empty() && entries->empty()) node->groups.erase(group);
  --size_;
  for (auto p = path.rbegin(); p != path.rend(); ++p) {
    const Node& child = *p->second->second;
    if (!child.empty()) break;
    p->first->children.erase(p->second);
  }
  return true;
}

namespace {

template <typename Node>
struct Collector {
  std::optional<SubscriberId> publisher;
  std::vector<Match>& out;
  const SubscriptionTable::Prefer* prefer;
  SubscriptionTable::Turn turn;
  const SubscriptionTable::Choose* choose;

  void add_entry(const SubscriptionEntry& e) {
    Match m{e.subscriber, e.options.max_qos, e.options.retain_as_published, {}};
    if (e.subscription_id != 0) m.subscription_ids.push_back(e.subscription_id);
    out.push_back(std::move(m));
  }

  void add(const Node& node) {
    for (const auto& e : node.entries) {
      if (e.options.no_local && publisher && *publisher == e.subscriber) continue;
      add_entry(e);
    }
    // One member per group (MQTT 5.0 §4.8.2); No Local is refused for shared
    // subscriptions at SUBSCRIBE (MQTT-3.8.3-4), so it needs no check here.
    for (const auto& [name, group] : node.groups) {
      const std::size_t n = group.members.size();
      if (choose) {
        const std::size_t chosen = (*choose)(name, group.filter, group.members);
        if (chosen == SubscriptionTable::kNobody) continue;
        if (chosen < n) {
          add_entry(group.members[chosen]);
          continue;
        }
      }
      std::size_t pick = group.next % n;
      if (prefer) {
        for (std::size_t k = 0; k < n; ++k) {
          const std::size_t i = (group.next + k) % n;
          if ((*prefer)(group.members[i].subscriber)) {
            pick = i;
            break;
          }
        }
      }
      if (turn == SubscriptionTable::Turn::advance) group.next = pick + 1;
      add_entry(group.members[pick]);
    }
  }
};

}  // namespace

void SubscriptionTable::match(std::string_view topic, std::optional<SubscriberId> publisher,
                              std::vector<Match>& out, const Prefer* prefer, Turn turn,
                              const Choose* choose) const {
  const std::size_t first = out.size();
  Collector<Node> collect{publisher, out, prefer, turn, choose};
  // MQTT-4.7.2-1: wildcards at the first level never match a '$' topic, nor (by our choice)
  // a topic under a hidden root.
  const bool hidden = !visible_to_wildcards(topic, hidden_roots_);
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
    const bool wildcards = !(f.first_level && hidden);
    if (!f.rest) {
      collect.add(*f.node);
      // "a/#" also matches "a" (MQTT 5.0 §4.7.1.2), but a first-level "#" only what
      // wildcards may see.
      if (wildcards) {
        if (const Node* hash = f.node->child("#")) collect.add(*hash);
      }
      continue;
    }
    std::optional<std::string_view> rest = f.rest;
    const std::string_view level = first_level(*f.rest, rest);
    if (wildcards) {
      if (const Node* hash = f.node->child("#")) collect.add(*hash);
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
