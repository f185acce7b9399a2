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

// `path` with control characters shown as \xNN, for messages.
std::string printable(std::string_view path);

}  // namespace vitrine::content
