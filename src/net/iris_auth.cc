#include "net/iris_auth.h"

#include "base/log.h"
#include "mqtt/errc.h"
#include "net/errc.h"
#include "wire/topics.h"

namespace iris::net {
namespace {

// Splits off the first level of a topic: "a/b/c" -> "a", rest "b/c" (nullopt rest if none).
std::pair<std::string_view, std::optional<std::string_view>> first_level(std::string_view t) {
  const auto slash = t.find('/');
  if (slash == std::string_view::npos) return {t, std::nullopt};
  return {t.substr(0, slash), t.substr(slash + 1)};
}

bool is_wildcard(std::string_view level) { return level == "+" || level == "#"; }

bool is_iris_space(std::string_view top) { return top == wire::kUserRoot || top == wire::kThreadRoot; }

}  // namespace

IrisAuth::IrisAuth(const TokenSigner& signer, const ThreadMembership& membership, Clock now)
    : signer_(signer), membership_(&membership), now_(std::move(now)) {}

IrisAuth::IrisAuth(const TokenSigner& signer, Clock now)
    : signer_(signer), membership_(nullptr), now_(std::move(now)) {}

Result<mqtt::Identity> IrisAuth::authenticate(const mqtt::Credentials& c) {
  if (!c.username || c.username->empty() || !c.password) {
    return fail(mqtt::errc::bad_user_name_or_password);
  }
  auto claims = signer_.verify(*c.password, now_());
  if (!claims) {
    IRIS_LOG(info, "auth", "refused client '{}' user '{}': {}", c.client_id, *c.username,
             claims.error().message());
    return fail(mqtt::errc::bad_user_name_or_password);
  }
  if (claims->user != *c.username || claims->device != c.client_id) {
    IRIS_LOG(info, "auth", "refused client '{}' user '{}': {}", c.client_id, *c.username,
             make_error_code(errc::token_mismatch).message());
    return fail(mqtt::errc::not_authorized);
  }
  return mqtt::Identity{claims->user};
}

bool IrisAuth::allowed(const mqtt::Identity& who, std::string_view topic, Access access) const {
  const auto [top, rest] = first_level(topic);
  // Only a filter can start with a wildcard; the broker hides u/, t/ and $ from it.
  if (access == Access::subscribe && is_wildcard(top)) return true;
  const bool iris_space = is_iris_space(top);
  if (who.user.empty()) return !iris_space && !is_wildcard(top) && !top.starts_with('$');
  if (!iris_space || !rest) return false;
  const auto [id, tail] = first_level(*rest);
  if (is_wildcard(id) || id.empty()) return false;
  if (top == wire::kUserRoot) return id == who.user;
  if (access == Access::publish && tail != wire::kTypingLeaf) return false;
  return membership_ != nullptr && membership_->is_participant(who.user, id);
}

bool IrisAuth::can_publish(const mqtt::Identity& who, std::string_view, std::string_view topic) {
  return allowed(who, topic, Access::publish);
}

bool IrisAuth::can_retain(const mqtt::Identity&, std::string_view, std::string_view topic) {
  return !is_iris_space(first_level(topic).first);
}

bool IrisAuth::can_subscribe(const mqtt::Identity& who, std::string_view, std::string_view filter) {
  return allowed(who, filter, Access::subscribe);
}

}  // namespace iris::net
