// The CV interest flow on screen. The state lives in InterestFlow; this
// only draws it and turns taps into its calls.
#include "kiosk/log.hpp"
#include "kiosk/qr.hpp"
#include "kiosk/ui/screens.hpp"
#include "kiosk/ui/widgets.hpp"
#include "platform/record.hpp"

#include <GLES3/gl3.h>
#include <sodium.h>

#include <algorithm>
#include <cfloat>

namespace vitrine::ui {
namespace {

using Step = InterestFlow::Step;
using Field = InterestFlow::Field;

// Keyboard rows per UI language; the accents row serves every language.
std::vector<std::string> letter_rows(const std::string& lang) {
    if (lang == "fr") return {"1234567890", "azertyuiop", "qsdfghjklm", "wxcvbn@.-_"};
    if (lang == "de") return {"1234567890", "qwertzuiopü", "asdfghjklöä", "yxcvbnm@.-_ß"};
    if (lang == "es") return {"1234567890", "qwertyuiop", "asdfghjklñ", "zxcvbnm@.-_"};
    return {"1234567890", "qwertyuiop", "asdfghjkl'", "zxcvbnm@.-_"};
}
const char* const kAccents = "éèêëàâçùûôîïüö";

// The UTF-8 characters of `s`.
std::vector<std::string> characters(std::string_view s) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = 1;
        while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
        out.emplace_back(s.substr(i, n));
        i += n;
    }
    return out;
}

std::string upper(const std::string& c) {
    if (c.size() == 1) return std::string(1, static_cast<char>(std::toupper(static_cast<unsigned char>(c[0]))));
    // Latin-1 lower-case letters (two bytes, C3 A0..BE) are 0x20 above their capitals; ß has none.
    if (c.size() == 2 && static_cast<unsigned char>(c[0]) == 0xC3 && static_cast<unsigned char>(c[1]) >= 0xA0 &&
        static_cast<unsigned char>(c[1]) != 0xB7 && static_cast<unsigned char>(c[1]) != 0x9F &&
        static_cast<unsigned char>(c[1]) <= 0xBE)
        return std::string{c[0], static_cast<char>(static_cast<unsigned char>(c[1]) - 0x20)};
    return c;
}

// A tick box the size of a finger, with its label; registered by the label.
bool tick_box(const std::string& label, bool ticked, float width) {
    ImVec2 p = ImGui::GetCursorScreenPos();
    ImFont* font = fonts().body;
    ImVec2 ts = text_size(font, label, width - px(120));
    ImVec2 size{width, std::max(px(88), ts.y + px(32))};
    bool pressed = touch_area(("##tick-" + label).c_str(), label, size);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p, {p.x + size.x, p.y + size.y}, IM_COL32(30, 36, 50, 255), px(16));
    ImVec2 box{p.x + px(24), p.y + (size.y - px(48)) / 2};
    dl->AddRect(box, {box.x + px(48), box.y + px(48)}, IM_COL32_WHITE, px(8), 0, px(3));
    if (ticked) {
        dl->AddRectFilled({box.x + px(6), box.y + px(6)}, {box.x + px(42), box.y + px(42)}, IM_COL32(30, 110, 235, 255),
                          px(6));
        dl->AddPolyline(std::array<ImVec2, 3>{ImVec2{box.x + px(12), box.y + px(25)}, ImVec2{box.x + px(21), box.y + px(35)},
                                              ImVec2{box.x + px(37), box.y + px(13)}}
                            .data(),
                        3, IM_COL32_WHITE, 0, px(5));
    }
    text_at(dl, font, {p.x + px(96), p.y + (size.y - ts.y) / 2}, IM_COL32_WHITE, label, width - px(120));
    return pressed;
}

// "Back", and the step's main button (if any) on the right: true when that was tapped.
bool bottom_bar(Frame& f, const std::string& primary = {}) {
    const float pad = px(48);
    ImGui::SetCursorScreenPos({pad, f.size.y - px(120)});
    ImGui::PushFont(fonts().body);
    if (touch_button(f.tr("interest.back").c_str(), {px(220), px(88)})) f.session.interest_back();
    bool pressed = false;
    if (!primary.empty()) {
        float w = std::max(px(320), ImGui::CalcTextSize(primary.c_str()).x + px(96));
        ImGui::SameLine(f.size.x - pad - w);
        pressed = touch_button(primary.c_str(), {w, px(88)}, true);
    }
    ImGui::PopFont();
    return pressed;
}

}  // namespace

bool interest_button(Frame& f, ImVec2 size) {
    if (!f.session.interest_offered()) return false;
    const auto& cta = f.session.manifest().interest->call_to_action;
    if (touch_button(f.session.text(cta).c_str(), size, true)) {
        f.session.start_interest();
        return true;
    }
    return false;
}

InterestScreen::~InterestScreen() {
    if (qr_texture_) glDeleteTextures(1, &qr_texture_);
}

void InterestScreen::draw(Frame& f) {
    begin_fullscreen("interest", f);
    auto& flow = f.session.interest();
    if (!flow.active()) {  // the pack went away under it: nothing to show
        ImGui::End();
        return;
    }
    // Below the language bar, which holds the top right corner.
    ImGui::SetCursorScreenPos({px(64), px(110)});
    switch (flow.step()) {
    case Step::Question: question(f); break;
    case Step::Contact: contact(f); break;
    case Step::Consent: consent(f); break;
    case Step::Qr: qr(f); break;
    case Step::Failed: failed(f); break;
    }
    language_bar(f);
    ImGui::End();
    if (flow.step() != Step::Consent) notice_scroll_ = 0;
    if (flow.step() != Step::Contact) shift_ = false;
}

void InterestScreen::question(Frame& f) {
    auto& flow = f.session.interest();
    const auto& questions = flow.interest().questions;
    const auto& q = questions.at(static_cast<std::size_t>(flow.question()));
    ImGui::PushFont(fonts().body);
    ImGui::SetCursorScreenPos({px(64), px(40)});
    ImGui::TextDisabled("%s", f.tr("interest.progress", {{"n", std::to_string(flow.question() + 1)},
                                                        {"total", std::to_string(questions.size())}})
                                  .c_str());
    ImGui::PopFont();
    ImGui::SetCursorScreenPos({px(64), px(110)});
    heading(f.session.text(q.title), fonts().title, f.size.x - px(64));
    ImGui::Dummy({0, px(24)});

    // Options in two columns (one in portrait), as big as the screen allows.
    const int cols = f.portrait ? 1 : 2;
    const float gap = px(24), left = px(64);
    const float w = (f.size.x - 2 * left - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols);
    const auto chosen = flow.answers().find(q.id);
    ImGui::PushFont(fonts().heading);
    for (std::size_t i = 0; i < q.options.size(); ++i) {
        int c = static_cast<int>(i) % cols;
        if (c) ImGui::SameLine(left + static_cast<float>(c) * (w + gap));
        else ImGui::SetCursorPosX(left);
        const auto& o = q.options[i];
        bool was = chosen != flow.answers().end() && chosen->second == o.id;
        std::string label = f.session.text(o.label) + "##" + q.id + "-" + o.id;
        if (touch_button(label.c_str(), {w, px(112)}, was)) flow.answer(o.id);
        if (c == cols - 1) ImGui::Dummy({0, gap / 2});
    }
    ImGui::PopFont();
    bottom_bar(f);
}

void InterestScreen::contact(Frame& f) {
    auto& flow = f.session.interest();
    heading(f.tr("interest.contact_title"), fonts().title, f.size.x - px(64));
    ImGui::SetCursorPosX(px(64));
    ImGui::PushFont(fonts().body);
    ImGui::PushTextWrapPos(f.size.x - px(64));
    ImGui::TextDisabled("%s", f.tr("interest.contact_hint").c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopFont();
    ImGui::Dummy({0, px(8)});

    // The two fields: tap one to type into it.
    const float left = px(64), width = std::min(f.size.x - 2 * left, px(1100));
    ImDrawList* dl = ImGui::GetWindowDrawList();
    for (Field field : {Field::Name, Field::Email}) {
        std::string label = f.tr(field == Field::Name ? "interest.name" : "interest.email");
        ImGui::SetCursorPosX(left);
        ImVec2 p = ImGui::GetCursorScreenPos();
        ImVec2 size{width, px(88)};
        if (touch_area(("##field-" + label).c_str(), label, size)) flow.focus(field);
        bool focused = flow.focused() == field;
        dl->AddRectFilled(p, {p.x + size.x, p.y + size.y}, IM_COL32(30, 36, 50, 255), px(12));
        dl->AddRect(p, {p.x + size.x, p.y + size.y},
                    focused ? IM_COL32(30, 110, 235, 255) : IM_COL32(90, 100, 120, 255), px(12), 0, px(focused ? 4 : 2));
        ImVec2 ls = text_size(fonts().small, label);
        text_at(dl, fonts().small, {p.x + px(24), p.y + (size.y - ls.y) / 2}, IM_COL32(170, 180, 200, 255), label);
        // A screenshot never shows what was typed, only that something was.
        const std::string& value = flow.field(field);
        std::string shown = f.redact && !value.empty() ? std::string("••••••••") : value;
        if (focused) shown += "|";
        text_at(dl, fonts().heading, {p.x + px(220), p.y + (size.y - fonts().heading->FontSize) / 2}, IM_COL32_WHITE,
                shown);
        sodium_memzero(shown.data(), shown.size());
        ImGui::Dummy({0, px(4)});
    }
    ImGui::SetCursorPosX(left);
    ImGui::PushFont(fonts().body);
    if (flow.badge_scanned())
        heading(f.tr("interest.badge_scanned"), fonts().body, f.size.x - px(64));
    else
        ImGui::TextDisabled("%s", f.tr("interest.scan_badge").c_str());
    ImGui::PopFont();
    on_screen_keyboard(f, {left, ImGui::GetCursorScreenPos().y + px(8)}, f.size.x - 2 * left, shift_,
                       {[&flow](const std::string& c) { flow.type(c); }, [&flow] { flow.backspace(); },
                        [&flow] { flow.clear_field(); }});

    bool given = !flow.field(Field::Name).empty() || !flow.field(Field::Email).empty() || flow.badge_scanned();
    if (bottom_bar(f, f.tr(given ? "interest.next" : "interest.skip"))) flow.contact_done();
}

void on_screen_keyboard(Frame& f, ImVec2 min, float width, bool& shifted, const KeyboardTarget& target) {
    auto rows = letter_rows(f.session.language());
    rows.emplace_back(kAccents);
    const float gap = px(10);
    const float key = std::min(px(96), (width - gap * 13) / 14);
    const float h = std::min(px(80), key * 0.9f);
    ImGui::PushFont(fonts().heading);
    float y = min.y;
    for (const auto& row : rows) {
        auto keys = characters(row);
        float x = min.x + (width - static_cast<float>(keys.size()) * (key + gap)) / 2;
        for (const auto& k : keys) {
            std::string c = shifted ? upper(k) : k;
            ImGui::SetCursorScreenPos({x, y});
            if (touch_button(c.c_str(), {key, h})) {
                target.type(c);
                shifted = false;
            }
            x += key + gap;
        }
        y += h + gap;
    }
    ImGui::PopFont();
    // Shift, space, backspace and clear under the letters.
    ImGui::PushFont(fonts().body);
    const std::string shift = f.tr("keyboard.shift"), space = f.tr("keyboard.space"),
                      del = f.tr("keyboard.backspace"), clear = f.tr("keyboard.clear");
    float x = min.x + (width - (key * 10 + gap * 9)) / 2;
    ImGui::SetCursorScreenPos({x, y});
    if (touch_button(shift.c_str(), {key * 2 + gap, h}, shifted)) shifted = !shifted;
    ImGui::SameLine(0, gap);
    if (touch_button(space.c_str(), {key * 4 + gap * 3, h})) target.type(" ");
    ImGui::SameLine(0, gap);
    if (touch_button(del.c_str(), {key * 2 + gap, h})) target.backspace();
    ImGui::SameLine(0, gap);
    if (touch_button(clear.c_str(), {key * 2 + gap, h})) target.clear();
    ImGui::PopFont();
}

void InterestScreen::consent(Frame& f) {
    auto& flow = f.session.interest();
    const auto& notice = flow.interest().notice;
    heading(f.session.text(notice.title), fonts().title, f.size.x - px(64));
    const float left = px(64), width = f.size.x - 2 * left;
    // The notice scrolls with a finger when it is longer than its box.
    const float boxes = px(88) * 2 + px(32) * 3 + px(140);
    ImVec2 box_min = ImGui::GetCursorScreenPos();
    box_min.x = left;
    ImVec2 box_size{width, std::max(px(200), f.size.y - box_min.y - boxes)};
    ImGui::SetCursorScreenPos(box_min);
    ImGui::BeginChild("notice", box_size, false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    if (ImGui::IsWindowHovered() && ImGui::IsMouseDown(0)) notice_scroll_ -= ImGui::GetIO().MouseDelta.y;
    notice_scroll_ = std::clamp(notice_scroll_, 0.f, ImGui::GetScrollMaxY());
    ImGui::SetScrollY(notice_scroll_);
    ImGui::PushFont(fonts().body);
    ImGui::PushTextWrapPos(box_size.x - px(16));
    ImGui::TextUnformatted(f.session.text(notice.text).c_str());
    ImGui::PopTextWrapPos();
    ImGui::TextDisabled("%s", f.tr("interest.notice_version", {{"v", std::to_string(notice.version)}}).c_str());
    ImGui::PopFont();
    ImGui::EndChild();
    ImGui::Dummy({0, px(16)});
    ImGui::SetCursorPosX(left);
    if (tick_box(f.tr("interest.consent_contact"), flow.consent_contact(), width)) flow.toggle_consent_contact();
    ImGui::Dummy({0, px(8)});
    ImGui::SetCursorPosX(left);
    if (tick_box(f.tr("interest.consent_cv"), flow.consent_cv(), width)) flow.toggle_consent_cv();
    if (bottom_bar(f, f.tr("interest.show_qr")))
        flow.confirm(f.session.pack().manifest.pack.id, f.session.pack().manifest.pack.version,
                     f.session.language());
}

void InterestScreen::qr(Frame& f) {
    auto& flow = f.session.interest();
    heading(f.tr("interest.qr_title"), fonts().title, f.size.x - px(64));
    ImGui::SetCursorPosX(px(64));
    ImGui::PushFont(fonts().body);
    ImGui::PushTextWrapPos(f.size.x - px(64));
    ImGui::TextUnformatted(f.tr("interest.qr_hint").c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopFont();

    // 10 px per module at 1080p, quiet zone kept: readable from 50 cm.
    if (qr_shown_ != flow.qr_text()) {
        qr_shown_ = flow.qr_text();
        qr_side_ = 0;
        try {
            QrCode code = qr_encode(flow.qr_text());
            int module = std::max(6, static_cast<int>(px(10)));
            auto rgba = qr_rgba(code, module);
            qr_side_ = qr_pixels(code, module);
            if (!qr_texture_) glGenTextures(1, &qr_texture_);
            glBindTexture(GL_TEXTURE_2D, qr_texture_);
            glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
            glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
            glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
            glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, qr_side_, qr_side_, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
        } catch (const std::exception& e) {
            // The record is saved: the visitor still has the code to type.
            log(LogLevel::Warning, std::string("the QR code cannot be drawn, the visitor sees the code instead: ") +
                                       e.what());
        }
    }
    ImVec2 p{0, ImGui::GetCursorScreenPos().y + px(24)};
    float side = static_cast<float>(qr_side_);
    if (qr_side_ > 0) {
        p.x = (f.size.x - side) / 2;
        ImGui::GetWindowDrawList()->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(qr_texture_)), p,
                                             {p.x + side, p.y + side});
        registry().add(f.tr("interest.qr_label"), p, {p.x + side, p.y + side});
    } else {
        ImGui::SetCursorScreenPos({px(64), p.y});
        heading(f.tr("interest.qr_unavailable"), fonts().heading, f.size.x - px(64));
        side = ImGui::GetCursorScreenPos().y - p.y;
    }
    const std::string code = f.tr("interest.code", {{"code", platform::display_token(flow.token())}});
    ImVec2 cs = text_size(fonts().heading, code);
    ImGui::SetCursorScreenPos({(f.size.x - cs.x) / 2, p.y + side + px(24)});
    heading(code, fonts().heading, f.size.x - px(64));

    const float pad = px(48);
    ImGui::PushFont(fonts().heading);
    std::string done = f.tr("interest.done");
    float w = std::max(px(320), ImGui::CalcTextSize(done.c_str()).x + px(96));
    ImGui::SetCursorScreenPos({f.size.x - pad - w, f.size.y - px(130)});
    if (touch_button(done.c_str(), {w, px(96)}, true)) f.session.interest_done();
    ImGui::PopFont();
}

void InterestScreen::failed(Frame& f) {
    heading(f.tr("interest.failed_title"), fonts().title, f.size.x - px(64));
    ImGui::PushFont(fonts().body);
    ImGui::PushTextWrapPos(f.size.x - px(64));
    ImGui::TextUnformatted(f.tr("interest.failed_hint").c_str());
    ImGui::PopTextWrapPos();
    ImGui::Dummy({0, px(32)});
    if (touch_button(f.tr("interest.ok").c_str(), {px(320), px(96)}, true)) f.session.interest_done();
    ImGui::PopFont();
}

}  // namespace vitrine::ui
