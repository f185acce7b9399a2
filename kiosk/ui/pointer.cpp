#include "kiosk/ui/pointer.hpp"

namespace vitrine::ui {

void Pointer::handle(const SDL_Event& e, ImVec2 display) {
    switch (e.type) {
    case SDL_MOUSEMOTION:
        if (e.motion.which != SDL_TOUCH_MOUSEID) queue({float(e.motion.x), float(e.motion.y)}, current_down());
        break;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        if (e.button.which != SDL_TOUCH_MOUSEID && e.button.button == SDL_BUTTON_LEFT)
            queue({float(e.button.x), float(e.button.y)}, e.type == SDL_MOUSEBUTTONDOWN);
        break;
    case SDL_FINGERDOWN:
    case SDL_FINGERMOTION:
    case SDL_FINGERUP:
        queue({e.tfinger.x * display.x, e.tfinger.y * display.y}, e.type != SDL_FINGERUP);
        break;
    }
}

void Pointer::apply(ImGuiIO& io) {
    bool changed = false;
    while (!pending_.empty()) {
        State s = pending_.front();
        if (s.down != state_.down && changed) break;
        changed = changed || s.down != state_.down;
        state_ = s;
        pending_.erase(pending_.begin());
        // A finger leaves the glass when it is lifted: nothing stays
        // "hovered" after a tap.
        // (on the next frame: the release must land on the widget).
        if (!state_.down && changed) {
            pending_.insert(pending_.begin(), State{{-FLT_MAX, -FLT_MAX}, false});
            break;
        }
    }
    io.MousePos = state_.pos;
    io.MouseDown[0] = state_.down;
    for (int i = 1; i < 5; ++i) io.MouseDown[i] = false;
}

std::optional<ImVec2> press_at(const SDL_Event& e, ImVec2 display) {
    if (e.type == SDL_MOUSEBUTTONDOWN && e.button.which != SDL_TOUCH_MOUSEID && e.button.button == SDL_BUTTON_LEFT)
        return ImVec2{float(e.button.x), float(e.button.y)};
    if (e.type == SDL_FINGERDOWN) return ImVec2{e.tfinger.x * display.x, e.tfinger.y * display.y};
    return std::nullopt;
}

bool is_pointer(const SDL_Event& e) {
    switch (e.type) {
    case SDL_MOUSEMOTION:
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
    case SDL_MOUSEWHEEL:
    case SDL_FINGERDOWN:
    case SDL_FINGERMOTION:
    case SDL_FINGERUP: return true;
    }
    return false;
}

bool is_release(const SDL_Event& e) {
    return (e.type == SDL_MOUSEBUTTONUP && e.button.which != SDL_TOUCH_MOUSEID && e.button.button == SDL_BUTTON_LEFT) ||
           e.type == SDL_FINGERUP;
}

}  // namespace vitrine::ui
