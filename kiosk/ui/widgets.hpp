// Touch widgets over Dear ImGui, and the registry of what is on screen.
// Every interactive widget registers its visible label and rectangle each
// frame: scripts (`tap`, `expect`) and tests find widgets by the text the
// visitor reads, the way Dear ImGui's test engine does.
#pragma once
#include <imgui.h>

#include <string>
#include <string_view>
#include <vector>

namespace vitrine::ui {

struct WidgetRect {
    std::string label;
    ImVec2 min, max;
    ImVec2 centre() const { return {(min.x + max.x) / 2, (min.y + max.y) / 2}; }
};

class Registry {
public:
    void begin_frame();
    void end_frame();  // the frame just built becomes the one searched
    void add(std::string_view label, ImVec2 min, ImVec2 max);
    // A widget of the last complete frame, visible on screen, or nullptr.
    const WidgetRect* find(std::string_view label) const;
    const std::vector<WidgetRect>& last_frame() const { return last_; }

private:
    std::vector<WidgetRect> building_, last_;
};

Registry& registry();

// Fonts (FreeType) and the touch style: big targets, no hover-only
// affordances. `scale` is the display's size over the 1080p reference.
struct Fonts {
    ImFont* body = nullptr;
    ImFont* small = nullptr;
    ImFont* heading = nullptr;
    ImFont* title = nullptr;
    ImFont* huge = nullptr;
};
Fonts& fonts();
void setup_style_and_fonts(float scale);
float scale();
inline float px(float reference_pixels) { return reference_pixels * scale(); }

// The text before "##" (ImGui's id suffix).
std::string_view visible_label(std::string_view label);

// A button with at least 48 px (at 1080p) of height, registered by its label.
bool touch_button(const char* label, ImVec2 size = {0, 0}, bool primary = false);
// A filter chip: a toggle with a colour mark.
bool chip(const char* label, bool selected, ImU32 colour);
// Text in `font`, wrapped at `wrap_x` (window coordinates; 0: the window's
// edge), registered under itself: not interactive, but scripts and tests
// find a screen by its heading.
void heading(const std::string& text, ImFont* font, float wrap_x = 0);
// An invisible touch area drawn by the caller, registered under `label`.
bool touch_area(const char* id, std::string_view label, ImVec2 size);

// True when the pointer moved far enough since it went down to be a drag,
// not a tap: a drag never activates what it started on.
bool pointer_dragged();

ImU32 rgb(std::uint32_t rrggbb, float alpha = 1.f);

// The picture of dl->AddRectFilledMultiColor(min, max, top, top, bottom,
// bottom), a vertical gradient, drawn by a little shader of its own that
// reads no texture. Where the GPU is the CPU (Mesa llvmpipe), the attract
// screen's band (1920 x 416 pixels blended over the film, every frame) costs
// under a third of ImGui's textured quad. Falls back to ImGui's if the
// shader cannot be made.
void vertical_gradient(ImDrawList* dl, ImVec2 min, ImVec2 max, ImU32 top, ImU32 bottom);

}  // namespace vitrine::ui
