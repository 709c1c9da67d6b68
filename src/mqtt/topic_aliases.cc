#include "mqtt/topic_aliases.h"

#include <algorithm>

namespace iris::mqtt {

void TopicAliases::apply_outgoing(Publish& p) {
  if (outbound_max_ == 0) return;
  const auto it = std::find(outbound_.begin(), outbound_.end(), p.topic);
  if (it != outbound_.end()) {
    p.props.topic_alias = static_cast<std::uint16_t>(it - outbound_.begin() + 1);
    p.topic.clear();
  } else if (outbound_.size() < outbound_max_) {
    outbound_.push_back(p.topic);
    p.props.topic_alias = static_cast<std::uint16_t>(outbound_.size());
  }
}

std::optional<errc> TopicAliases::resolve_incoming(Publish& p) {
  if (!p.props.topic_alias) return std::nullopt;
  const std::uint16_t alias = *p.props.topic_alias;
  if (alias == 0 || alias > inbound_max_) return errc::topic_alias_invalid;
  if (inbound_.size() < alias) inbound_.resize(alias);
  if (!p.topic.empty()) {
    inbound_[alias - 1] = p.topic;
  } else if (inbound_[alias - 1].empty()) {
    return errc::protocol_error;
  } else {
    p.topic = inbound_[alias - 1];
  }
  return std::nullopt;
}

}  // namespace iris::mqtt
