#include "base/text.hpp"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace vitrine::base {

using namespace std::chrono;

std::string_view trim(std::string_view s) {
    auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
}

bool parse_rfc3339(const std::string& s, system_clock::time_point& out) {
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    if (s.size() < 20) return false;
    for (std::size_t i = 0; i < 19; ++i)
        if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i]) return false;
    auto num = [&](std::size_t at, std::size_t len) {
        int v = 0;
        for (std::size_t i = at; i < at + len; ++i) v = v * 10 + (s[i] - '0');
        return v;
    };
    int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), sec = num(17, 2);
    year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return false;
    std::size_t i = 19;
    std::int64_t ms = 0;
    if (i < s.size() && s[i] == '.') {
        int digits = 0;
        for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits)
            if (digits < 3) ms = ms * 10 + (s[i] - '0');
        if (digits == 0) return false;
        for (; digits < 3; ++digits) ms *= 10;
    }
    if (i + 1 != s.size() || s[i] != 'Z') return false;
    const sys_time<milliseconds> t = sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec) + milliseconds(ms);
    // system_clock counts nanoseconds in 64 bits: from 1677 to 2262 only.
    if (t < ceil<milliseconds>(system_clock::time_point::min()) || t > floor<milliseconds>(system_clock::time_point::max()))
        return false;
    out = t;
    return true;
}

std::string rfc3339(system_clock::time_point t) {
    auto ms = floor<milliseconds>(t);
    auto day = floor<days>(ms);
    year_month_day ymd(day);
    hh_mm_ss hms(ms - day);
    char out[32];
    std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
    return out;
}

namespace {

std::string utc_format(system_clock::time_point t, const char* format) {
    std::time_t tt = system_clock::to_time_t(t);
    std::tm utc{};
    gmtime_r(&tt, &utc);
    char out[40];
    std::strftime(out, sizeof out, format, &utc);
    return out;
}

}  // namespace

std::string rfc3339_seconds(system_clock::time_point t) { return utc_format(t, "%Y-%m-%dT%H:%M:%SZ"); }

std::string utc_stamp(system_clock::time_point t) { return utc_format(t, "%Y%m%dT%H%M%SZ"); }

}  // namespace vitrine::base
