// Text and time helpers shared by every library.
#pragma once
#include <chrono>
#include <string>
#include <string_view>

namespace vitrine::base {

// `s` without the white space (isspace) at either end.
std::string_view trim(std::string_view s);

// RFC 3339 UTC with milliseconds: 2026-01-05T09:00:00.000Z.
std::string rfc3339(std::chrono::system_clock::time_point t);
// RFC 3339 UTC to the second: 2026-01-05T09:00:00Z.
std::string rfc3339_seconds(std::chrono::system_clock::time_point t);
// Reads what rfc3339() and rfc3339_seconds() write (a fraction of any
// length, 'Z' only); false for anything else or a time system_clock
// cannot hold.
bool parse_rfc3339(const std::string& s, std::chrono::system_clock::time_point& out);
// Compact UTC for file names: 20260105T090000Z.
std::string utc_stamp(std::chrono::system_clock::time_point t);

}  // namespace vitrine::base
