#pragma once
// Device tokens: the MQTT password and HTTP bearer token of an Iris device.
//
//   token   := "v1." payload "." mac
//   payload := base64url(user "\n" device "\n" expires_unix_seconds)      (no padding)
//   mac     := base64url(HMAC-SHA256(secret, "v1." payload))              (no padding)
//
// Only the canonical base64url spelling verifies (the unused low bits of a last character are
// zero), so a token has exactly one accepted spelling. `user` is a canonical decimal id
// (core::parse_id); `irisd token` refuses anything else.
//
// The server's secret signs and checks; nothing is stored per token. Checking takes the
// time as a parameter, so tests drive expiry without a clock.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace iris::net {

struct TokenClaims {
  std::string user;    // decimal user id
  std::string device;  // the MQTT client id it is valid for
  std::chrono::sys_seconds expires;
  bool operator==(const TokenClaims&) const = default;
};

class TokenSigner {
 public:
  // Requires: secret.size() >= 16 (startup rejects shorter secrets).
  explicit TokenSigner(std::string secret) : secret_(std::move(secret)) {}

  std::string issue(const TokenClaims& claims) const;
  // net::errc::bad_token (malformed, wrong MAC) or token_expired (at `now`).
  Result<TokenClaims> verify(std::string_view token, std::chrono::sys_seconds now) const;

 private:
  std::string secret_;
};

// 32 random bytes from OpenSSL's CSPRNG, hex-encoded: a new server secret.
std::string generate_secret();

}  // namespace iris::net
