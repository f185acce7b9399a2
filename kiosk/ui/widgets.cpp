#include "kiosk/ui/widgets.hpp"

#include <GLES3/gl3.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui_freetype.h>
#include <imgui_internal.h>

#include <array>
#include <cstdint>
#include <filesystem>

namespace vitrine::ui {
namespace {

float g_scale = 1.f;

// vertical_gradient()'s GL program, made on first use in the GL context of
// the frame being drawn; setup_style_and_fonts() forgets it, as a new
// kiosk has a new context (the old one took the program with it).
struct GradientProgram {
    GLuint program = 0;
    GLint rect = -1, colours = -1, display = -1;
    bool failed = false;
};
GradientProgram g_gradient;

// Where one gradient goes: read by its draw callback when the frame is
// rendered, after the whole frame was built. A frame draws a few at most.
struct GradientCall {
    ImVec2 min, max;
    ImVec4 top, bottom;
};
std::array<GradientCall, 16> g_gradient_calls;
std::size_t g_next_gradient = 0;

GLuint compile(GLenum type, const char* source) {
    GLuint shader = glCreateShader(type);
    glShaderSource(shader, 1, &source, nullptr);
    glCompileShader(shader);
    GLint ok = GL_FALSE;
    glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
    if (ok) return shader;
    glDeleteShader(shader);
    return 0;
}

bool make_gradient_program() {
    // Two triangles from gl_VertexID: no vertex buffer, no texture.
    static const char* const vertex =
        "#version 300 es\n"
        "uniform vec4 rect;     // min.x, min.y, max.x, max.y in display pixels\n"
        "uniform vec4 display;  // its origin and size\n"
        "uniform vec4 colours[2];\n"
        "out vec4 colour;\n"
        "void main() {\n"
        "    vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));\n"
        "    vec2 p = (mix(rect.xy, rect.zw, corner) - display.xy) / display.zw;\n"
        "    colour = mix(colours[0], colours[1], corner.y);\n"
        "    gl_Position = vec4(p.x * 2.0 - 1.0, 1.0 - p.y * 2.0, 0.0, 1.0);\n"
        "}\n";
    static const char* const fragment =
        "#version 300 es\n"
        "precision mediump float;\n"
        "in vec4 colour;\n"
        "out vec4 out_colour;\n"
        "void main() { out_colour = colour; }\n";
    GLuint vs = compile(GL_VERTEX_SHADER, vertex), fs = compile(GL_FRAGMENT_SHADER, fragment);
    GLuint program = vs && fs ? glCreateProgram() : 0;
    if (program) {
        glAttachShader(program, vs);
        glAttachShader(program, fs);
        glLinkProgram(program);
        GLint ok = GL_FALSE;
        glGetProgramiv(program, GL_LINK_STATUS, &ok);
        if (!ok) {
            glDeleteProgram(program);
            program = 0;
        }
    }
    if (vs) glDeleteShader(vs);
    if (fs) glDeleteShader(fs);
    if (!program) return false;
    g_gradient.program = program;
    g_gradient.rect = glGetUniformLocation(program, "rect");
    g_gradient.display = glGetUniformLocation(program, "display");
    g_gradient.colours = glGetUniformLocation(program, "colours");
    return true;
}

// Runs inside ImGui_ImplOpenGL3_RenderDrawData(), which set the blending
// (straight alpha, as for its own vertices) and restores all the state it
// uses after the ImDrawCallback_ResetRenderState that follows.
void draw_gradient(const ImDrawList*, const ImDrawCmd* cmd) {
    if (!g_gradient.program && !g_gradient.failed && !make_gradient_program()) g_gradient.failed = true;
    if (g_gradient.failed) return;
    const auto& call = *static_cast<const GradientCall*>(cmd->UserCallbackData);
    const ImDrawData* dd = ImGui::GetDrawData();
    const ImVec2 scale = dd->FramebufferScale;
    const float fb_height = dd->DisplaySize.y * scale.y;
    // ImGui sets its scissor per command, not for callbacks: this one's clip.
    ImVec2 clip_min{(cmd->ClipRect.x - dd->DisplayPos.x) * scale.x, (cmd->ClipRect.y - dd->DisplayPos.y) * scale.y};
    ImVec2 clip_max{(cmd->ClipRect.z - dd->DisplayPos.x) * scale.x, (cmd->ClipRect.w - dd->DisplayPos.y) * scale.y};
    if (clip_max.x <= clip_min.x || clip_max.y <= clip_min.y) return;
    glScissor(static_cast<GLint>(clip_min.x), static_cast<GLint>(fb_height - clip_max.y),
              static_cast<GLsizei>(clip_max.x - clip_min.x), static_cast<GLsizei>(clip_max.y - clip_min.y));
    glUseProgram(g_gradient.program);
    glUniform4f(g_gradient.rect, call.min.x, call.min.y, call.max.x, call.max.y);
    glUniform4f(g_gradient.display, dd->DisplayPos.x, dd->DisplayPos.y, dd->DisplaySize.x, dd->DisplaySize.y);
    const GLfloat colours[8] = {call.top.x,    call.top.y,    call.top.z,    call.top.w,
                                call.bottom.x, call.bottom.y, call.bottom.z, call.bottom.w};
    glUniform4fv(g_gradient.colours, 2, colours);
    glBindVertexArray(0);  // no attributes
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
}

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
    g_gradient = {};  // a new GL context: the program is made again
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
    io.Fonts->Flags |= ImFontAtlasFlags_NoBakedLines;  // lines are geometry (below), not atlas texels
    io.Fonts->Build();
    // The atlas is only ever sampled at texel centres: FreeType renders each
    // glyph at its size (no oversampling), text lands on whole pixels, and
    // fills sample the centre of the white texel. Nearest filtering draws the
    // same picture as linear (the tour's screenshots are identical), for
    // less where the GPU is the CPU (llvmpipe): every text and fill costs
    // less to draw, over a film 30 times a second.
    if (io.BackendRendererUserData && ImGui_ImplOpenGL3_CreateDeviceObjects()) {
        GLint bound = 0;
        glGetIntegerv(GL_TEXTURE_BINDING_2D, &bound);
        glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(reinterpret_cast<std::intptr_t>(io.Fonts->TexID)));
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(bound));
    }

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
    st.AntiAliasedLinesUseTex = false;  // they would need linear filtering of the atlas
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

void vertical_gradient(ImDrawList* dl, ImVec2 min, ImVec2 max, ImU32 top, ImU32 bottom) {
    if (g_gradient.failed) {
        dl->AddRectFilledMultiColor(min, max, top, top, bottom, bottom);
        return;
    }
    GradientCall& call = g_gradient_calls[g_next_gradient++ % g_gradient_calls.size()];
    call = {min, max, ImGui::ColorConvertU32ToFloat4(top), ImGui::ColorConvertU32ToFloat4(bottom)};
    dl->AddCallback(draw_gradient, &call);
    dl->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
}

ImU32 rgb(std::uint32_t c, float alpha) {
    return IM_COL32((c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff, static_cast<int>(alpha * 255));
}

}  // namespace vitrine::ui
