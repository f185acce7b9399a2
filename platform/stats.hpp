// Anonymous statistics: counts per UTC hour and per showcase, no per-visitor
// data. The kiosk reports what happens; finished hours come out as the
// payloads of `stats` records. This gives the per-showcase funnel: view,
// call to action, QR shown.
#pragma once
#include "platform/clock.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vitrine::platform {

class StatsCollector {
public:
    explicit StatsCollector(const Clock& clock);

    void showcase_opened(const std::string& id);  // a view; dwell time runs until closed
    void showcase_closed();                        // adds the dwell time of the open one (to the hour it closes in)
    void video_started(const std::string& showcase_id);    // "" for the attract loop
    void video_completed(const std::string& showcase_id);  // played to the end
    // The call to action was tapped: from a showcase (its id) or from the
    // home screen (""). Starts an interest flow.
    void flow_started(const std::string& from_showcase);
    void flow_abandoned();  // back out, or the idle reset
    void qr_shown();        // the record was committed and its QR shown
    void flow_completed();  // "done" after the QR

    // Payloads of the hours that have ended (all of them, with `all`, for a
    // clean shutdown: an open showcase is closed first), oldest first; each
    // is taken once. Format:
    // {"hour": "2026-01-05T09:00:00Z", "flows": {"started": n, "abandoned": n,
    //  "qr_shown": n, "completed": n}, "attract_video_starts": n,
    //  "showcases": {"<id>": {"views": n, "dwell_s": x, "video_starts": n,
    //  "video_completions": n, "cta": n, "qr_shown": n}}}
    // Hours with nothing in them produce nothing.
    std::vector<nlohmann::json> take(bool all = false);

private:
    struct Showcase {
        std::int64_t views = 0, video_starts = 0, video_completions = 0, cta = 0, qr_shown = 0;
        double dwell_s = 0;
    };
    struct Hour {
        std::int64_t started = 0, abandoned = 0, qr_shown = 0, completed = 0, attract_video_starts = 0;
        std::map<std::string, Showcase> showcases;
    };
    Hour& current();

    const Clock& clock_;
    std::map<std::int64_t, Hour> hours_;  // key: hours since the epoch (UTC)
    std::optional<std::string> open_;     // the showcase being viewed
    Clock::time_point opened_at_{};
    std::string flow_from_;               // the showcase the current flow started from
};

}  // namespace vitrine::platform
