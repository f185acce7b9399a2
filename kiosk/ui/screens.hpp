// The visitor's screens. Each draws from the Session and calls its methods
// on a tap; what a screen remembers itself (scroll, gallery position) is
// only how it looks, and is forgotten on every session reset.
#pragma once
#include "kiosk/i18n.hpp"
#include "kiosk/images.hpp"
#include "kiosk/session.hpp"
#include "kiosk/video.hpp"

#include <imgui.h>

#include <deque>
#include <functional>

namespace vitrine::ui {

// What the player was last told to play: nothing, the pack's campaign in
// the attract loop, or one showcase's film, once.
struct Film {
    enum class Kind { None, Campaign, Showcase };
    Kind kind = Kind::None;
    std::string pack;  // the pack's directory name
    std::string path;  // a showcase film's path in the pack

    static Film campaign(std::string pack) { return {Kind::Campaign, std::move(pack), {}}; }
    static Film showcase(std::string pack, std::string path) { return {Kind::Showcase, std::move(pack), std::move(path)}; }
    bool operator==(const Film&) const = default;
};

// What every screen draws with, for one frame.
struct Frame {
    Session& session;
    const Catalogs& catalogs;
    ImageCache& images;
    // The player, made on first use: screens with no film never make one.
    std::function<VideoPlayer&()> video;
    ImVec2 size;      // the display, in pixels
    bool portrait;
    float dt;         // seconds since the previous frame
    Film& film;  // what the player was last told to play
    bool animating = false;  // set by a screen that needs the next frame soon
    bool redact = false;     // this frame becomes a screenshot: no typed personal data on it

    std::string tr(std::string_view key) const { return catalogs.tr(key, session.language()); }
    std::string tr(std::string_view key, std::initializer_list<std::pair<std::string_view, std::string>> args) const {
        return catalogs.tr(key, session.language(), args);
    }
};

// Drawing helpers the screens share.
constexpr ImGuiWindowFlags kFullscreen = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                         ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus |
                                         ImGuiWindowFlags_NoScrollWithMouse | ImGuiWindowFlags_NoScrollbar;
void begin_fullscreen(const char* name, const Frame& f, ImVec4 bg = {0.06f, 0.07f, 0.10f, 1.f});
void text_at(ImDrawList* dl, ImFont* font, ImVec2 pos, ImU32 colour, const std::string& s, float wrap = 0);
ImVec2 text_size(ImFont* font, const std::string& s, float wrap = 0);

// Draws `texture` to cover (crop) or fit the rectangle [min, max].
void draw_image(ImDrawList* dl, unsigned texture, int w, int h, ImVec2 min, ImVec2 max, bool cover,
                float rounding = 0);

class AttractScreen {
public:
    void draw(Frame& f);

private:
    float pulse_ = 0;
};

class GridScreen {
public:
    void draw(Frame& f);
    void forget();

private:
    void filters(Frame& f);
    void cards(Frame& f);
    float scroll_ = 0, velocity_ = 0;
    bool dragging_ = false;
    std::deque<std::pair<double, float>> path_;  // (time, pointer y) while dragging
};

class ShowcaseScreen {
public:
    void draw(Frame& f);
    void forget();

private:
    void media(Frame& f, const content::Showcase& s, ImVec2 min, ImVec2 max);
    void text(Frame& f, const content::Showcase& s, ImVec2 min, ImVec2 max);
    std::string shown_;  // the showcase whose gallery position is below
    int image_ = 0;
    float text_scroll_ = 0;
};

// The CV interest flow: questions, contact details, notice and consent,
// the QR code (or a polite failure).
class InterestScreen {
public:
    ~InterestScreen();
    void draw(Frame& f);

private:
    void question(Frame& f);
    void contact(Frame& f);
    void consent(Frame& f);
    void qr(Frame& f);
    void failed(Frame& f);
    bool shift_ = false;
    float notice_scroll_ = 0;
    std::string qr_shown_;  // the text in qr_texture_
    unsigned qr_texture_ = 0;
    int qr_side_ = 0;
};

// The on-screen keyboard: the letters of the UI language, accents, shift,
// space, delete and clear, from `min` across `width`. For the interest
// flow's fields and the staff's event id.
struct KeyboardTarget {
    std::function<void(const std::string&)> type;
    std::function<void()> backspace, clear;
};
void on_screen_keyboard(Frame& f, ImVec2 min, float width, bool& shifted, const KeyboardTarget& target);

// The call to action that starts the interest flow, if the pack has one.
bool interest_button(Frame& f, ImVec2 size);

// Language switch, always visible, top right.
void language_bar(Frame& f);
// "Still there?" with its countdown, over any screen.
void idle_overlay(Frame& f);

}  // namespace vitrine::ui
