#include "kiosk/ui/script_runner.hpp"

#include "kiosk/log.hpp"
#include "kiosk/ui/widgets.hpp"

#include <SDL2/SDL.h>
#include <imgui.h>

#include <algorithm>
#include <cstring>
#include <thread>
#include <utility>

namespace vitrine::ui {

namespace fs = std::filesystem;

ScriptRunner::ScriptRunner(std::vector<Step> steps, std::string source, fs::path shots_dir, Hooks hooks)
    : steps_(std::move(steps)), source_(std::move(source)), shots_dir_(std::move(shots_dir)), hooks_(std::move(hooks)) {}

void ScriptRunner::done() {
    ++at_;
    step_frames_ = 0;
    settle_frames_ = 3;
}

// One step of the script per call, spread over frames: a tap is a press on
// one frame and a release on the next, then the UI gets frames to settle.
bool ScriptRunner::step() {
    if (at_ >= steps_.size()) return false;
    const Step& s = steps_[at_];
    auto fail = [&](const std::string& what) {
        throw ScriptError(source_ + ":" + std::to_string(s.line) + ": " + what);
    };
    auto num = [&](std::size_t i) { return std::stod(s.args.at(i)); };
    auto push_mouse = [&](Uint32 type, float x, float y) {
        SDL_Event e{};
        e.type = type;
        if (type == SDL_MOUSEMOTION) {
            e.motion.x = static_cast<Sint32>(x);
            e.motion.y = static_cast<Sint32>(y);
        } else {
            e.button.button = SDL_BUTTON_LEFT;
            e.button.x = static_cast<Sint32>(x);
            e.button.y = static_cast<Sint32>(y);
        }
        SDL_PushEvent(&e);
    };
    if (settle_frames_ > 0 && step_frames_ == 0) {  // between steps only: a swipe runs on
        --settle_frames_;
        return true;
    }
    if (step_frames_ == 0) step_started_ = std::chrono::steady_clock::now();
    int frame = step_frames_++;
    if (s.verb == "tap" || s.verb == "tap-at") {
        ImVec2 at;
        if (s.verb == "tap") {
            const WidgetRect* w = registry().find(s.text);
            if (!w) fail("tap: no visible widget labelled \"" + s.text + "\"");
            at = w->centre();
        } else {
            at = {static_cast<float>(num(0)), static_cast<float>(num(1))};
        }
        push_mouse(SDL_MOUSEMOTION, at.x, at.y);
        push_mouse(SDL_MOUSEBUTTONDOWN, at.x, at.y);
        push_mouse(SDL_MOUSEBUTTONUP, at.x, at.y);
        done();
    } else if (s.verb == "swipe") {
        double ms = s.args.size() > 4 ? num(4) : 300;
        double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - step_started_).count();
        double k = std::min(1.0, t / std::max(1.0, ms));
        float x = static_cast<float>(num(0) + (num(2) - num(0)) * k), y = static_cast<float>(num(1) + (num(3) - num(1)) * k);
        if (frame == 0) {
            push_mouse(SDL_MOUSEMOTION, x, y);
            push_mouse(SDL_MOUSEBUTTONDOWN, x, y);
        } else {
            push_mouse(SDL_MOUSEMOTION, x, y);
        }
        if (k >= 1 && frame > 0) {
            push_mouse(SDL_MOUSEBUTTONUP, x, y);
            done();
        }
    } else if (s.verb == "type" || s.verb == "scan") {
        // As SDL delivers long input: several events, cut between characters.
        for (std::size_t at = 0; at < s.text.size();) {
            SDL_Event e{};
            e.type = SDL_TEXTINPUT;
            std::size_t n = std::min(s.text.size() - at, sizeof e.text.text - 1);
            while (at + n < s.text.size() && (static_cast<unsigned char>(s.text[at + n]) & 0xC0) == 0x80) --n;
            std::memcpy(e.text.text, s.text.data() + at, n);
            SDL_PushEvent(&e);
            at += n;
        }
        if (s.verb == "scan") {
            SDL_Event k{};
            k.type = SDL_KEYDOWN;
            k.key.keysym.sym = SDLK_RETURN;
            k.key.keysym.scancode = SDL_SCANCODE_RETURN;
            SDL_PushEvent(&k);
            k.type = SDL_KEYUP;
            SDL_PushEvent(&k);
        }
        done();
    } else if (s.verb == "wait") {
        if (std::chrono::steady_clock::now() - step_started_ >= std::chrono::duration<double, std::milli>(num(0)))
            done();
    } else if (s.verb == "stall") {  // a hung UI loop, for the watchdog's test
        log(LogLevel::Notice, "stall: the UI loop blocks for " + s.args.at(0) + " ms (frames drawn: " +
                                  std::to_string(hooks_.frames_drawn()) + ")");
        std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(num(0)));
        done();
    } else if (s.verb == "advance") {
        hooks_.advance(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(num(0))));
        done();
    } else if (s.verb == "expect") {
        if (!registry().find(s.text)) fail("expect: no visible widget labelled \"" + s.text + "\"");
        done();
    } else if (s.verb == "expect-not") {
        if (registry().find(s.text)) fail("expect-not: a widget labelled \"" + s.text + "\" is visible");
        done();
    } else if (s.verb == "await" || s.verb == "await-not") {
        // for what background work shows (an install, a sync): as long as
        // it takes, up to a limit, instead of a guessed wait
        constexpr auto limit = std::chrono::seconds(10);
        const bool want = s.verb == "await";
        if ((registry().find(s.text) != nullptr) == want)
            done();
        else if (std::chrono::steady_clock::now() - step_started_ >= limit)
            fail(s.verb + ": " + (want ? "no visible widget labelled \"" : "a widget labelled \"") + s.text + "\"" +
                 (want ? "" : " is still visible") + " after 10 s");
    } else if (s.verb == "shot") {
        fs::path p = s.text;
        hooks_.shot(p.is_relative() ? shots_dir_ / p : p);
        done();
    } else if (s.verb == "log") {  // a mark in the log, for whoever watches it (the soak test)
        log(LogLevel::Info, "script: " + s.text);
        done();
    }
    return true;
}

// A step under way that needs frames (a wait needs none).
bool ScriptRunner::stepping() const {
    return at_ < steps_.size() && (steps_[at_].verb != "wait" || step_frames_ == 0);
}

bool ScriptRunner::busy() const { return settle_frames_ > 0 || stepping(); }

std::optional<int> ScriptRunner::wait_left_ms() const {
    if (at_ >= steps_.size() || stepping()) return std::nullopt;
    double left = std::stod(steps_[at_].args.at(0)) -
                  std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - step_started_).count();
    return static_cast<int>(left);
}

}  // namespace vitrine::ui
