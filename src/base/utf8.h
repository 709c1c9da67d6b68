#pragma once
// The one UTF-8 validator of the project, for MQTT strings (mqtt) and protocol text (wire).
// Well-formed means RFC 3629: shortest form only, no surrogates U+D800..U+DFFF, nothing
// above U+10FFFF. MQTT also forbids U+0000 in its strings (MQTT 5.0 §1.5.4, MQTT-1.5.4-2);
// wire text allows it, so the caller says which rule applies. Control characters and
// non-characters are accepted (MQTT: only "SHOULD NOT").

#include <string_view>

namespace iris {

enum class Nul { allowed, refused };

bool is_valid_utf8(std::string_view text, Nul nul);

}  // namespace iris
