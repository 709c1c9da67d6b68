#pragma once
// PINGREQ and PINGRESP (MQTT 5.0 §3.12, §3.13): a fixed header and nothing else.

namespace iris::mqtt {

struct PingReq {
  bool operator==(const PingReq&) const = default;
};
struct PingResp {
  bool operator==(const PingResp&) const = default;
};

}  // namespace iris::mqtt
