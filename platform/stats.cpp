#include "platform/stats.hpp"

#include <cmath>
#include <cstdio>

namespace vitrine::platform {
namespace {

using namespace std::chrono;

std::int64_t hour_of(system_clock::time_point t) { return floor<hours>(t).time_since_epoch().count(); }

std::string hour_name(std::int64_t hour) {
    sys_days day = floor<days>(sys_seconds(hours(hour)));
    year_month_day ymd(day);
    char out[24];
    std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:00:00Z", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hour - day.time_since_epoch().count() * 24));
    return out;
}

}  // namespace

StatsCollector::StatsCollector(const Clock& clock) : clock_(clock) {}

StatsCollector::Hour& StatsCollector::current() { return hours_[hour_of(clock_.wall())]; }

void StatsCollector::showcase_opened(const std::string& id) {
    if (open_) showcase_closed();
    current().showcases[id].views++;
    open_ = id;
    opened_at_ = clock_.now();
}

void StatsCollector::showcase_closed() {
    if (!open_) return;
    double dwell = duration<double>(clock_.now() - opened_at_).count();
    current().showcases[*open_].dwell_s += std::max(0.0, dwell);
    open_.reset();
}

void StatsCollector::video_started(const std::string& showcase_id) {
    if (showcase_id.empty())
        current().attract_video_starts++;
    else
        current().showcases[showcase_id].video_starts++;
}

void StatsCollector::video_completed(const std::string& showcase_id) {
    if (!showcase_id.empty()) current().showcases[showcase_id].video_completions++;
}

void StatsCollector::flow_started(const std::string& from_showcase) {
    Hour& h = current();
    h.started++;
    if (!from_showcase.empty()) h.showcases[from_showcase].cta++;
    flow_from_ = from_showcase;
}

void StatsCollector::flow_abandoned() {
    current().abandoned++;
    flow_from_.clear();
}

void StatsCollector::qr_shown() {
    Hour& h = current();
    h.qr_shown++;
    if (!flow_from_.empty()) h.showcases[flow_from_].qr_shown++;
}

void StatsCollector::flow_completed() {
    current().completed++;
    flow_from_.clear();
}

std::vector<nlohmann::json> StatsCollector::take(bool all) {
    if (all) showcase_closed();
    const std::int64_t now = hour_of(clock_.wall());
    std::vector<nlohmann::json> out;
    for (auto it = hours_.begin(); it != hours_.end() && (all || it->first < now);) {
        const Hour& h = it->second;
        nlohmann::json showcases = nlohmann::json::object();
        for (const auto& [id, s] : h.showcases)
            showcases[id] = {{"views", s.views},
                             {"dwell_s", std::round(s.dwell_s * 1000) / 1000},
                             {"video_starts", s.video_starts},
                             {"video_completions", s.video_completions},
                             {"cta", s.cta},
                             {"qr_shown", s.qr_shown}};
        out.push_back({{"hour", hour_name(it->first)},
                       {"flows",
                        {{"started", h.started},
                         {"abandoned", h.abandoned},
                         {"qr_shown", h.qr_shown},
                         {"completed", h.completed}}},
                       {"attract_video_starts", h.attract_video_starts},
                       {"showcases", showcases}});
        it = hours_.erase(it);
    }
    return out;
}

}  // namespace vitrine::platform
