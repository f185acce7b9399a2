// Touch and mouse input as Dear ImGui sees it, fed from SDL events.
#pragma once
#include <SDL2/SDL.h>
#include <imgui.h>

#include <cfloat>
#include <optional>
#include <vector>

namespace vitrine::ui {

// The finger (or mouse, or script) as Dear ImGui sees it. Fed from SDL
// events, so a script's taps take the same path as a visitor's; a press
// and its release always land on different frames, or ImGui misses the tap.
class Pointer {
public:
    void handle(const SDL_Event& e, ImVec2 display);
    // Applies what happened since the last frame; holds a release back one
    // frame when the press came in the same frame.
    void apply(ImGuiIO& io);
    bool busy() const { return !pending_.empty() || state_.down; }

private:
    struct State {
        ImVec2 pos{-FLT_MAX, -FLT_MAX};
        bool down = false;
    };
    bool current_down() const { return pending_.empty() ? state_.down : pending_.back().down; }
    void queue(ImVec2 pos, bool down) { pending_.push_back({pos, down}); }
    State state_;
    std::vector<State> pending_;
};

// Where a finger or the left mouse button went down, in window pixels.
std::optional<ImVec2> press_at(const SDL_Event& e, ImVec2 display);
bool is_pointer(const SDL_Event& e);
// A finger lifted, or the left mouse button released.
bool is_release(const SDL_Event& e);

}  // namespace vitrine::ui
