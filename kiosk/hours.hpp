// Opening hours ([hours] open/close in the config): outside them the kiosk's
// screen goes dark until a touch wakes it. Times are local (the TZ of the
// process, via localtime_r), minutes after local midnight.
#pragma once
#include <chrono>
#include <stdexcept>
#include <string_view>

namespace vitrine {

struct OpeningHours {
    int open_min = 0;
    int close_min = 24 * 60;  // close < open: open past midnight
    bool always() const { return open_min == 0 && close_min == 24 * 60; }
};

// "HH:MM" each (close may be "24:00"). Throws std::invalid_argument with a
// message saying what is wrong (the config adds file, line and key).
OpeningHours parse_hours(std::string_view open, std::string_view close);

// Whether `wall` falls inside the hours, in local time.
bool is_open(const OpeningHours& h, std::chrono::system_clock::time_point wall);

// The next instant after `wall` at which is_open() changes (for the main
// loop's sleep); time_point::max() when it never does.
std::chrono::system_clock::time_point next_change(const OpeningHours& h, std::chrono::system_clock::time_point wall);

}  // namespace vitrine
