#pragma once
// UTF-8 rules of MQTT strings (MQTT 5.0 §1.5.4, 3.1.1 §1.5.3): well-formed UTF-8 per
// RFC 3629 (no overlong forms, nothing above U+10FFFF), no surrogates U+D800..U+DFFF
// (MQTT-1.5.4-1) and no U+0000 (MQTT-1.5.4-2). Control characters and non-characters are
// only "SHOULD NOT" and are accepted.

#include <string_view>

namespace iris::mqtt {

bool is_valid_utf8(std::string_view s);

}  // namespace iris::mqtt
