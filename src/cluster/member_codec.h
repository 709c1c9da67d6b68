#pragma once
// The contents of a member's ephemeral node and of the cell's node, as text (readable with
// zkCli.sh `get`). Versioned by their first line; decoding is bounded by membership.h's
// limits and refuses anything else, so a peer's garbage never becomes a ring. A member's
// line whose key this version does not know (a lowercase word) is skipped: a field added
// later reaches older servers as nothing, so a new field needs no whole-cell restart.
//
//   iris-member 1            iris-cell 1
//   address 127.0.0.1:7001   tokens 2048
//   tokens default 2048      (the token count every server of the cell uses)
//   mqtt 127.0.0.1:1883      (optional: where devices reach it)
//   http 127.0.0.1:8080      (optional)
//   ws 127.0.0.1:8083        (optional: MQTT over WebSocket, for browsers)
// The tokens may instead be listed: `tokens list <hex> <hex> ...`, last in the text.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "cluster/server_info.h"

namespace iris::cluster {

std::string encode_member(const ServerInfo& server);
// `name` is the node's name, which is the member's name.
Result<ServerInfo> decode_member(std::string_view name, std::string_view data);

struct CellConfig {
  std::uint32_t tokens_per_server = 0;
  bool operator==(const CellConfig&) const = default;
};
std::string encode_cell(const CellConfig& cell);
Result<CellConfig> decode_cell(std::string_view data);

}  // namespace iris::cluster
