#pragma once
// JSON text for the command-line tools' --json output (iris, irisctl).

#include <string>
#include <string_view>

namespace iris {

// A JSON string literal (quotes included), escaped per RFC 8259.
std::string json_string(std::string_view s);

}  // namespace iris
