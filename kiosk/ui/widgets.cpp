#include "kiosk/ui/widgets.hpp"

#include <imgui_freetype.h>
#include <imgui_internal.h>

#include <filesystem>

namespace vitrine::ui {
namespace {

float g_scale = 1.f;

const char* find_font(bool bold) {
    static const char* regular[] = {"/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
                                    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"};
    static const char* heavy[] = {"/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
                                  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"};
    for (const char* f : bold ? heavy : regular)
        if (std::filesystem::exists(f)) return f;
    return nullptr;
}

}  // namespace

void Registry::begin_frame() { building_.clear(); }

void Registry::end_frame() { last_.swap(building_); }

void Registry::add(std::string_view label, ImVec2 min, ImVec2 max) {
    // Clipped away (scrolled out of a child window): not visible, not tappable.
    ImVec2 clip_min = ImGui::GetCurrentWindow() ? ImGui::GetCurrentWindow()->ClipRect.Min : min;
    ImVec2 clip_max = ImGui::GetCurrentWindow() ? ImGui::GetCurrentWindow()->ClipRect.Max : max;
    ImVec2 a{std::max(min.x, clip_min.x), std::max(min.y, clip_min.y)};
    ImVec2 b{std::min(max.x, clip_max.x), std::min(max.y, clip_max.y)};
    if (b.x - a.x < 4 || b.y - a.y < 4) return;
    building_.push_back({std::string(visible_label(label)), a, b});
}

const WidgetRect* Registry::find(std::string_view label) const {
    for (const auto& w : last_)
        if (w.label == label) return &w;
    return nullptr;
}

Registry& registry() {
    static Registry r;
    return r;
}

Fonts& fonts() {
    static Fonts f;
    return f;
}

float scale() { return g_scale; }

void setup_style_and_fonts(float s) {
    g_scale = s;
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // nothing of a session is written to disk
    io.Fonts->Clear();
    io.Fonts->FontBuilderIO = ImGuiFreeType::GetBuilderForFreeType();
    static const ImWchar ranges[] = {0x0020, 0x00FF,   // Latin-1: French, Spanish, German
                                     0x0100, 0x017F,   // Latin Extended-A: œ, Œ, and more
                                     0x2010, 0x205E,   // dashes, quotes ’ « », ellipsis
                                     0x20AC, 0x20AC,   // €
                                     0x2190, 0x2193,   // arrows
                                     0};
    const char* regular = find_font(false);
    const char* bold = find_font(true);
    auto load = [&](const char* file, float size) {
        ImFontConfig cfg;
        cfg.OversampleH = 1;
        return file ? io.Fonts->AddFontFromFileTTF(file, size * s, &cfg, ranges) : io.Fonts->AddFontDefault();
    };
    Fonts& f = fonts();
    f.body = load(regular, 30);
    f.small = load(regular, 24);
    f.heading = load(bold, 38);
    f.title = load(bold, 56);
    f.huge = load(bold, 84);
    io.Fonts->Build();

    ImGuiStyle& st = ImGui::GetStyle();
    st = ImGuiStyle();
    ImGui::StyleColorsDark(&st);
    st.WindowPadding = {px(32), px(24)};
    st.FramePadding = {px(24), px(14)};
    st.ItemSpacing = {px(16), px(16)};
    st.ItemInnerSpacing = {px(12), px(12)};
    st.TouchExtraPadding = {px(6), px(6)};
    st.ScrollbarSize = px(10);
    st.FrameRounding = px(12);
    st.ChildRounding = px(16);
    st.WindowRounding = 0;
    st.WindowBorderSize = 0;
    st.FrameBorderSize = 0;
    st.AntiAliasedFill = true;
    ImVec4* c = st.Colors;
    c[ImGuiCol_WindowBg] = {0.06f, 0.07f, 0.10f, 1.f};
    c[ImGuiCol_ChildBg] = {0, 0, 0, 0};
    c[ImGuiCol_Button] = {0.16f, 0.19f, 0.26f, 1.f};
    // No hover colour: a finger has no hover; the pressed state shows the tap.
    c[ImGuiCol_ButtonHovered] = c[ImGuiCol_Button];
    c[ImGuiCol_ButtonActive] = {0.30f, 0.45f, 0.80f, 1.f};
    c[ImGuiCol_Text] = {0.96f, 0.97f, 1.f, 1.f};
    c[ImGuiCol_TextDisabled] = {0.65f, 0.70f, 0.78f, 1.f};
    c[ImGuiCol_ScrollbarBg] = {0, 0, 0, 0};
    c[ImGuiCol_ModalWindowDimBg] = {0, 0, 0, 0.7f};
}

std::string_view visible_label(std::string_view label) {
    auto p = label.find("##");
    return p == std::string_view::npos ? label : label.substr(0, p);
}

bool pointer_dragged() {
    return ImGui::IsMouseDragging(ImGuiMouseButton_Left, px(24)) ||
           ImGui::GetIO().MouseDragMaxDistanceSqr[0] > px(24) * px(24);
}

bool touch_button(const char* label, ImVec2 size, bool primary) {
    if (size.y <= 0) size.y = px(72);
    if (primary) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4{0.12f, 0.44f, 0.92f, 1.f});
    bool pressed = ImGui::Button(label, size);
    if (primary) ImGui::PopStyleColor();
    registry().add(label, ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
    return pressed && !pointer_dragged();
}

bool chip(const char* label, bool selected, ImU32 colour) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImVec2 text = ImGui::CalcTextSize(label, nullptr, true);
    ImVec2 size{text.x + px(64), px(64)};
    ImVec2 p = ImGui::GetCursorScreenPos();
    bool pressed = ImGui::InvisibleButton(label, size);
    ImU32 bg = selected ? colour : IM_COL32(40, 46, 62, 255);
    dl->AddRectFilled(p, {p.x + size.x, p.y + size.y}, bg, size.y / 2);
    if (!selected) dl->AddCircleFilled({p.x + px(26), p.y + size.y / 2}, px(9), colour);
    dl->AddText({p.x + px(44) - (selected ? px(8) : 0), p.y + (size.y - text.y) / 2}, IM_COL32_WHITE,
                std::string(visible_label(label)).c_str());
    registry().add(label, ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
    return pressed && !pointer_dragged();
}

void heading(const std::string& text, ImFont* font, float wrap_x) {
    ImGui::PushFont(font);
    ImGui::PushTextWrapPos(wrap_x);
    ImGui::TextUnformatted(text.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopFont();
    registry().add(text, ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
}

bool touch_area(const char* id, std::string_view label, ImVec2 size) {
    bool pressed = ImGui::InvisibleButton(id, size);
    registry().add(label, ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
    return pressed && !pointer_dragged();
}

ImU32 rgb(std::uint32_t c, float alpha) {
    return IM_COL32((c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff, static_cast<int>(alpha * 255));
}

}  // namespace vitrine::ui
