#include "net/iris_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/log.h"
#include "sync/fanout_frame.h"
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

std::string cell_link_password(std::string_view secret, std::string_view name) {
  const std::string message = "iris-cell-link 1 " + std::string(name);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 15]);
  }
  return out;
}

bool is_cell_peer(const mqtt::Identity& who) { return who.user.starts_with(kCellPeerPrefix); }

IrisAuth::IrisAuth(const TokenSigner& signer, const ThreadMembership& membership, Clock now)
    : signer_(signer), membership_(&membership), now_(std::move(now)) {}

IrisAuth::IrisAuth(const TokenSigner& signer, Clock now)
    : signer_(signer), membership_(nullptr), now_(std::move(now)) {}

Result<mqtt::Identity> IrisAuth::authenticate(const mqtt::Credentials& c) {
  if (!c.username || c.username->empty() || !c.password) {
    return fail(mqtt::errc::bad_user_name_or_password);
  }
  if (c.username->starts_with(kCellPeerPrefix)) {
    const auto name = c.username->substr(kCellPeerPrefix.size());
    const std::string expect = cell_secret_.empty() ? std::string() : cell_link_password(cell_secret_, name);
    if (name.empty() || expect.empty() || c.password->size() != expect.size() ||
        CRYPTO_memcmp(c.password->data(), expect.data(), expect.size()) != 0) {
      IRIS_LOG(warn, "auth", "refused cell peer '{}': {}", *c.username,
               cell_secret_.empty() ? "this server is in no cell" : "wrong cell secret");
      return fail(mqtt::errc::bad_user_name_or_password);
    }
    return mqtt::Identity{std::string(*c.username), cell_link_window_};
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
  // The cell link's topic and the cell peers are kept apart from everything else.
  const bool link_topic = topic == sync::kFanoutTopic || topic == sync::kTypingLinkTopic;
  if (is_cell_peer(who)) return access == Access::publish && link_topic;
  if (link_topic) return false;
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
