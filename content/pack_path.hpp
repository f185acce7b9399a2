// The rule for a path inside a pack. Every path a manifest names goes
// through here before anything opens it: a pack must never reach outside
// its own directory.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace vitrine::content {

// nullopt when `path` is acceptable, else what is wrong with it.
std::optional<std::string> pack_path_problem(std::string_view path);

// `text` with control characters shown as \xNN (C0, DEL, and the C1
// controls U+0080 to U+009F, which some terminals obey), for messages and
// for text from elsewhere printed on a terminal.
std::string printable(std::string_view text);

}  // namespace vitrine::content
