// Runs a script (script.hpp) against the kiosk before its frames: a tap is
// posted as SDL mouse events, a swipe is spread over frames, a wait lets
// time go by, expect and await read the widget registry (widgets.hpp).
// What a step needs of the kiosk comes through Hooks.
#pragma once
#include "kiosk/ui/script.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vitrine::ui {

class ScriptRunner {
public:
    struct Hooks {
        std::function<void(std::chrono::steady_clock::duration)> advance;  // the kiosk's clock, and what reads it
        std::function<void(const std::filesystem::path&)> shot;            // a screenshot of the next frame
        std::function<std::uint64_t()> frames_drawn;                       // for the log
    };

    ScriptRunner(std::vector<Step> steps, std::string source, std::filesystem::path shots_dir, Hooks hooks);

    bool empty() const { return steps_.empty(); }
    // Runs the current step, or its share of this frame; false once the
    // script is over. Throws ScriptError("<source>:<line>: ...").
    bool step();
    // Frames wanted soon: a step under way that needs them (a wait needs
    // none), or the frames the UI gets to settle between steps.
    bool busy() const;
    // Under a wait: the milliseconds left.
    std::optional<int> wait_left_ms() const;

private:
    std::vector<Step> steps_;
    std::string source_;
    std::filesystem::path shots_dir_;
    Hooks hooks_;
    std::size_t at_ = 0;       // the current step
    int step_frames_ = 0;      // frames it has run for
    int settle_frames_ = 2;    // frames left before the next step
    std::chrono::steady_clock::time_point step_started_;

    bool stepping() const;
    void done();
};

}  // namespace vitrine::ui
