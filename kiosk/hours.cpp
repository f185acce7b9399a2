#include "kiosk/hours.hpp"

#include <algorithm>
#include <ctime>
#include <string>
#include <vector>

namespace vitrine {
namespace {

using std::chrono::system_clock;

// "HH:MM" -> minutes after midnight; -1 when malformed. 24:00 only when
// `allow_24` (a closing time).
int parse_time(std::string_view s, bool allow_24) {
    if (s.size() != 5 || s[2] != ':') return -1;
    for (std::size_t i : {0, 1, 3, 4})
        if (s[i] < '0' || s[i] > '9') return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59) return -1;
    if (h == 24 && m == 0 && allow_24) return 24 * 60;
    if (h > 23) return -1;
    return h * 60 + m;
}

std::tm local(system_clock::time_point t) {
    std::time_t tt = system_clock::to_time_t(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    return tm;
}

}  // namespace

OpeningHours parse_hours(std::string_view open, std::string_view close) {
    if (open.empty() && close.empty()) return {};
    if (open.empty() || close.empty())
        throw std::invalid_argument(open.empty()
                                        ? "a closing time without an opening time: set both, or neither (always open)"
                                        : "an opening time without a closing time: set both, or neither (always open)");
    OpeningHours h;
    h.open_min = parse_time(open, false);
    if (h.open_min < 0)
        throw std::invalid_argument("the opening time \"" + std::string(open) +
                                    "\" is not a time like \"08:30\" (00:00 to 23:59)");
    h.close_min = parse_time(close, true);
    if (h.close_min < 0)
        throw std::invalid_argument("the closing time \"" + std::string(close) +
                                    "\" is not a time like \"19:00\" (00:00 to 24:00)");
    if (h.close_min % (24 * 60) == h.open_min && !h.always())
        throw std::invalid_argument("the opening and closing times are the same: leave both out for a kiosk that is always on");
    return h;
}

bool is_open(const OpeningHours& h, system_clock::time_point wall) {
    if (h.always()) return true;
    std::tm tm = local(wall);
    int m = tm.tm_hour * 60 + tm.tm_min;
    if (h.open_min < h.close_min) return m >= h.open_min && m < h.close_min;
    return m >= h.open_min || m < h.close_min;  // open past midnight
}

system_clock::time_point next_change(const OpeningHours& h, system_clock::time_point wall) {
    if (h.always()) return system_clock::time_point::max();
    // The openings and closings from yesterday to the day after tomorrow, in
    // local time; mktime deals with daylight saving and with 24:00.
    const std::tm today = local(wall);
    std::vector<system_clock::time_point> edges;
    for (int day = -1; day <= 2; ++day)
        for (int minute : {h.open_min, h.close_min}) {
            std::tm tm{};
            tm.tm_year = today.tm_year;
            tm.tm_mon = today.tm_mon;
            tm.tm_mday = today.tm_mday + day;
            tm.tm_hour = minute / 60;
            tm.tm_min = minute % 60;
            tm.tm_isdst = -1;
            std::time_t t = std::mktime(&tm);
            if (t != static_cast<std::time_t>(-1)) edges.push_back(system_clock::from_time_t(t));
        }
    std::sort(edges.begin(), edges.end());
    const bool now_open = is_open(h, wall);
    for (auto t : edges)
        if (t > wall && is_open(h, t) != now_open) return t;
    return system_clock::time_point::max();  // not reached with valid hours
}

}  // namespace vitrine
