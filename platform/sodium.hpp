// libsodium as the platform library uses it: initialised once, and standard
// base64 (the form sealed parts and keys take in JSON and in the config).
// Internal to platform/.
#pragma once
#include "platform/record.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace vitrine::platform {

// sodium_init() once per process; throws std::runtime_error if it fails.
void sodium_ready();

std::string to_base64(const Bytes& b);
// Strict: the whole text must be base64 (no blanks, nothing after it).
std::optional<Bytes> from_base64(std::string_view s);

}  // namespace vitrine::platform
