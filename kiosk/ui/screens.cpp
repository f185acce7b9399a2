#include "kiosk/ui/screens.hpp"

#include "kiosk/ui/widgets.hpp"

#include <algorithm>
#include <cmath>

namespace vitrine::ui {

void begin_fullscreen(const char* name, const Frame& f, ImVec4 bg) {
    ImGui::SetNextWindowPos({0, 0});
    ImGui::SetNextWindowSize(f.size);
    ImGui::PushStyleColor(ImGuiCol_WindowBg, bg);
    ImGui::Begin(name, nullptr, kFullscreen);
    ImGui::PopStyleColor();
}

void text_at(ImDrawList* dl, ImFont* font, ImVec2 pos, ImU32 colour, const std::string& s, float wrap) {
    dl->AddText(font, font->FontSize, pos, colour, s.c_str(), s.c_str() + s.size(), wrap);
}

ImVec2 text_size(ImFont* font, const std::string& s, float wrap) {
    return font->CalcTextSizeA(font->FontSize, FLT_MAX, wrap, s.c_str(), s.c_str() + s.size());
}

namespace {

std::string city_name(const Frame& f, const std::string& id) {
    const auto* c = f.session.manifest().city(id);
    return c ? f.session.text(c->name) : id;
}

}  // namespace

void draw_image(ImDrawList* dl, unsigned texture, int w, int h, ImVec2 min, ImVec2 max, bool cover, float rounding) {
    if (!texture || w <= 0 || h <= 0) return;
    float bw = max.x - min.x, bh = max.y - min.y;
    float img = static_cast<float>(w) / static_cast<float>(h), box = bw / bh;
    ImVec2 uv0{0, 0}, uv1{1, 1};
    ImVec2 a = min, b = max;
    if (cover) {
        if (img > box) {
            float k = box / img;
            uv0.x = (1 - k) / 2;
            uv1.x = 1 - uv0.x;
        } else {
            float k = img / box;
            uv0.y = (1 - k) / 2;
            uv1.y = 1 - uv0.y;
        }
    } else if (img > box) {
        float hh = bw / img;
        a.y += (bh - hh) / 2;
        b.y = a.y + hh;
    } else {
        float ww = bh * img;
        a.x += (bw - ww) / 2;
        b.x = a.x + ww;
    }
    auto id = reinterpret_cast<ImTextureID>(static_cast<intptr_t>(texture));
    if (rounding > 0)
        dl->AddImageRounded(id, a, b, uv0, uv1, IM_COL32_WHITE, rounding);
    else
        dl->AddImage(id, a, b, uv0, uv1);
}

// ---------------------------------------------------------------- attract

void AttractScreen::draw(Frame& f) {
    // The film is on the framebuffer already when the player draws on screen.
    begin_fullscreen("attract", f, f.video().on_screen() ? ImVec4{0, 0, 0, 0} : ImVec4{0, 0, 0, 1});
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const auto& m = f.session.manifest();
    if (f.video().has_frame() && !f.video().on_screen())
        draw_image(dl, f.video().texture(), f.video().width(), f.video().height(), {0, 0}, f.size, true);

    // The whole screen is the invitation.
    const std::string invite = f.tr("attract.touch_to_explore");
    ImGui::SetCursorScreenPos({0, 0});
    if (touch_area("##explore", invite, f.size)) f.session.touch();

    // Tagline of the campaign video playing, over a dark band.
    int item = std::clamp(f.video().playlist_index(), 0, static_cast<int>(m.campaign.size()) - 1);
    float band = px(260);
    vertical_gradient(dl, {0, f.size.y - band * 1.6f}, f.size, IM_COL32(0, 0, 0, 0), IM_COL32(0, 0, 0, 220));
    const std::string tagline = f.session.text(m.campaign[static_cast<std::size_t>(item)].tagline);
    ImFont* big = fonts().title;
    ImVec2 ts = text_size(big, tagline, f.size.x - px(160));
    text_at(dl, big, {std::max(px(80), (f.size.x - ts.x) / 2), f.size.y - band - ts.y + px(40)}, IM_COL32_WHITE,
            tagline, f.size.x - px(160));

    // "Touch to explore", pulsing so that it reads as alive from afar.
    pulse_ += f.dt;
    float a = 0.75f + 0.25f * std::sin(pulse_ * 3.f);
    ImFont* h = fonts().heading;
    ImVec2 is = text_size(h, invite);
    ImVec2 pill_min{(f.size.x - is.x) / 2 - px(40), f.size.y - px(150)};
    ImVec2 pill_max{(f.size.x + is.x) / 2 + px(40), f.size.y - px(150) + is.y + px(36)};
    dl->AddRectFilled(pill_min, pill_max, IM_COL32(30, 110, 235, static_cast<int>(a * 255)), px(40));
    text_at(dl, h, {pill_min.x + px(40), pill_min.y + px(18)}, IM_COL32_WHITE, invite);
    // With a film playing, its frames pace the redraws (and the pulse).
    f.animating = !f.video().has_frame();
    language_bar(f);
    ImGui::End();
}

// ---------------------------------------------------------------- grid

void GridScreen::forget() {
    scroll_ = velocity_ = 0;
    dragging_ = false;
}

void GridScreen::filters(Frame& f) {
    const auto& m = f.session.manifest();
    const auto& filter = f.session.filter();
    ImGui::PushFont(fonts().small);
    float right = f.size.x - px(32);
    auto wrap = [&](const char* label) {
        float w = ImGui::CalcTextSize(label, nullptr, true).x + px(64);
        if (ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + w < right) ImGui::SameLine();
    };
    ImGui::TextDisabled("%s", f.tr("grid.sectors").c_str());
    for (const auto& s : m.sectors) {
        std::string label = f.session.text(s.name) + "##sector-" + s.id;
        wrap(label.c_str());
        if (chip(label.c_str(), filter.sectors.count(s.id), rgb(s.colour))) f.session.toggle_sector(s.id);
    }
    ImGui::TextDisabled("%s", f.tr("grid.cities").c_str());
    for (const auto* c : content::cities_in_use(m)) {
        std::string label = f.session.text(c->name) + "##city-" + c->id;
        wrap(label.c_str());
        if (chip(label.c_str(), filter.cities.count(c->id), IM_COL32(30, 110, 235, 255)))
            f.session.toggle_city(c->id);
    }
    ImGui::PopFont();
}

void GridScreen::cards(Frame& f) {
    const auto& visible = f.session.visible();
    ImVec2 origin = ImGui::GetCursorScreenPos();
    ImVec2 avail = ImGui::GetContentRegionAvail();
    if (visible.empty()) {
        ImGui::PushFont(fonts().heading);
        ImGui::TextWrapped("%s", f.tr("grid.empty").c_str());
        ImGui::PopFont();
        if (touch_button(f.tr("grid.clear_filters").c_str(), {0, 0}, true)) f.session.clear_filters();
        return;
    }
    const int columns = f.portrait ? 2 : 4;
    const float gap = px(24);
    const float card_w = (avail.x - gap * static_cast<float>(columns - 1)) / static_cast<float>(columns);
    const float card_h = card_w * 9.f / 16.f + px(150);
    const int rows = (static_cast<int>(visible.size()) + columns - 1) / columns;
    const float content_h = static_cast<float>(rows) * (card_h + gap);
    const float max_scroll = std::max(0.f, content_h - avail.y);

    // A finger drag scrolls; on release the grid keeps moving and slows down.
    ImGuiIO& io = ImGui::GetIO();
    const double now = ImGui::GetTime();
    bool inside = io.MousePos.x >= origin.x && io.MousePos.y >= origin.y && io.MousePos.y <= origin.y + avail.y;
    if (ImGui::IsMouseClicked(0) && inside) {
        dragging_ = true;
        path_.clear();
    }
    if (dragging_ && (ImGui::IsMouseDown(0) || ImGui::IsMouseReleased(0))) {
        scroll_ -= io.MouseDelta.y;
        // The finger's speed over its last 100 ms: frames and touch events
        // do not tick together, so one frame's movement says little.
        path_.push_back({now, io.MousePos.y});
        while (path_.size() > 2 && now - path_.front().first > 0.1) path_.pop_front();
        double span = now - path_.front().first;
        velocity_ = span > 0.005 ? -static_cast<float>((io.MousePos.y - path_.front().second) / span) : 0.f;
        if (ImGui::IsMouseReleased(0)) dragging_ = false;
    } else {
        dragging_ = false;
        if (std::abs(velocity_) > 5) {
            scroll_ += velocity_ * f.dt;
            velocity_ *= std::exp(-3.f * f.dt);
            f.animating = true;
        } else {
            velocity_ = 0;
        }
    }
    scroll_ = std::clamp(scroll_, 0.f, max_scroll);
    if (scroll_ == 0 || scroll_ == max_scroll) velocity_ = 0;

    ImGui::BeginChild("cards", avail, false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    for (std::size_t i = 0; i < visible.size(); ++i) {
        const content::Showcase& s = *visible[i];
        int col = static_cast<int>(i) % columns, row = static_cast<int>(i) / columns;
        ImVec2 p{origin.x + static_cast<float>(col) * (card_w + gap),
                 origin.y + static_cast<float>(row) * (card_h + gap) - scroll_};
        if (p.y > origin.y + avail.y || p.y + card_h < origin.y) continue;  // off screen: not drawn, not tappable
        ImGui::SetCursorScreenPos(p);
        std::string title = f.session.text(s.title);
        if (touch_area(("##card-" + s.id).c_str(), title, {card_w, card_h})) f.session.open(s.id);
        ImVec2 q{p.x + card_w, p.y + card_h};
        dl->AddRectFilled(p, q, IM_COL32(28, 32, 44, 255), px(16));
        ImVec2 img_max{q.x, p.y + card_w * 9.f / 16.f};
        // Widths in steps of 64 px: a resize does not decode every thumbnail again.
        int thumb_w = (static_cast<int>(card_w) + 63) / 64 * 64;
        if (const auto* t = f.images.get(f.session.pack().file(s.thumbnail), thumb_w))
            draw_image(dl, t->id, t->width, t->height, p, img_max, true, px(16));
        else
            dl->AddRectFilled(p, img_max, rgb(f.session.manifest().sector(s.sectors.front())->colour, 0.5f), px(16));
        // Sector colour stripe, then title, company and city.
        dl->AddRectFilled({p.x, img_max.y}, {q.x, img_max.y + px(8)},
                          rgb(f.session.manifest().sector(s.sectors.front())->colour));
        float tx = p.x + px(20), tw = card_w - px(40);
        dl->PushClipRect({p.x, img_max.y}, q, true);
        text_at(dl, fonts().body, {tx, img_max.y + px(20)}, IM_COL32_WHITE, title, tw);
        std::string by = s.company.name + (s.city.empty() ? "" : " · " + city_name(f, s.city));
        text_at(dl, fonts().small, {tx, q.y - px(44)}, IM_COL32(170, 180, 200, 255), by);
        dl->PopClipRect();
    }
    ImGui::EndChild();
}

void GridScreen::draw(Frame& f) {
    begin_fullscreen("grid", f);
    ImGui::PushFont(fonts().title);
    ImGui::TextUnformatted(f.tr("grid.title").c_str());
    ImGui::PopFont();
    ImGui::SameLine();
    ImGui::PushFont(fonts().body);
    ImGui::SetCursorPosY(ImGui::GetCursorPosY() + px(18));
    ImGui::TextDisabled("%s", f.tr("grid.count", {{"n", std::to_string(f.session.visible().size())}}).c_str());
    ImGui::SameLine(0, px(40));
    ImGui::SetCursorPosY(ImGui::GetCursorPosY() - px(18));
    interest_button(f, {0, px(72)});
    ImGui::PopFont();
    language_bar(f);
    filters(f);
    if (!f.session.filter().empty() && !f.session.visible().empty()) {
        ImGui::PushFont(fonts().small);
        if (touch_button(f.tr("grid.clear_filters").c_str(), {0, px(56)})) f.session.clear_filters();
        ImGui::PopFont();
    }
    ImGui::Spacing();
    ImGui::PushFont(fonts().body);
    cards(f);
    ImGui::PopFont();
    ImGui::End();
}

// ---------------------------------------------------------------- showcase

void ShowcaseScreen::forget() {
    shown_.clear();
    image_ = 0;
    text_scroll_ = 0;
}

void ShowcaseScreen::media(Frame& f, const content::Showcase& s, ImVec2 min, ImVec2 max) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(min, max, IM_COL32(0, 0, 0, 255), px(16));
    if (s.media.empty()) return;
    image_ = std::clamp(image_, 0, static_cast<int>(s.media.size()) - 1);
    const content::Media& m = s.media[static_cast<std::size_t>(image_)];
    const float controls = px(96);
    ImVec2 view_max{max.x, max.y - controls};
    bool is_video = m.kind == content::Media::Kind::Video;
    // The film plays while the gallery shows it, and only then.
    const Film film = is_video ? Film::showcase(f.session.pack().dir_name, m.path) : Film{};
    if (film != f.film) {
        if (is_video) {
            VideoPlayer::Item item{f.session.pack().file(m.path), {}};
            for (const auto& [lang, path] : m.subtitles) item.subtitles[lang] = f.session.pack().file(path);
            f.video().play_once(item);
        } else {
            f.video().stop();
        }
        f.film = film;
    }
    if (is_video) {
        if (f.video().has_frame())
            draw_image(dl, f.video().texture(), f.video().width(), f.video().height(), min, view_max, false);
        // Once it shows pictures, the film's own frames pace the redraws.
        f.animating = !f.video().paused() && !f.video().has_frame();
    } else if (const auto* t = f.images.get(f.session.pack().file(m.path))) {
        draw_image(dl, t->id, t->width, t->height, min, view_max, false);
    }
    // Tap the picture: play/pause a video. A swipe goes through the gallery.
    ImGui::SetCursorScreenPos(min);
    std::string play = is_video ? f.tr(f.video().paused() ? "showcase.play" : "showcase.pause") : std::string();
    if (touch_area("##media", play, {max.x - min.x, view_max.y - min.y}) && is_video)
        f.video().set_paused(!f.video().paused());
    if (ImGui::IsItemDeactivated()) {
        float dx = ImGui::GetIO().MouseDragMaxDistanceAbs[0].x > px(80) ? ImGui::GetMouseDragDelta(0, 0).x : 0;
        if (dx < -px(80)) ++image_;
        if (dx > px(80)) --image_;
    }
    // Controls under the picture.
    ImGui::SetCursorScreenPos({min.x, view_max.y + px(12)});
    ImGui::PushFont(fonts().small);
    int n = static_cast<int>(s.media.size());
    if (n > 1) {
        if (touch_button("<##prev-image", {px(72), px(72)})) image_ = (image_ - 1 + n) % n;
        ImGui::SameLine();
        ImGui::SetCursorPosY(ImGui::GetCursorPosY() + px(20));
        ImGui::TextUnformatted(
            f.tr("showcase.image_of", {{"n", std::to_string(image_ + 1)}, {"total", std::to_string(n)}}).c_str());
        ImGui::SameLine();
        ImGui::SetCursorPosY(ImGui::GetCursorPosY() - px(20));
        if (touch_button(">##next-image", {px(72), px(72)})) image_ = (image_ + 1) % n;
    }
    if (is_video) {
        if (n > 1) ImGui::SameLine();
        if (touch_button(play.c_str())) f.video().set_paused(!f.video().paused());
        ImGui::SameLine();
        if (touch_button(f.tr(f.video().muted() ? "showcase.sound_on" : "showcase.sound_off").c_str()))
            f.video().set_muted(!f.video().muted());
    }
    image_ = (image_ % n + n) % n;
    ImGui::PopFont();
}

void ShowcaseScreen::text(Frame& f, const content::Showcase& s, ImVec2 min, ImVec2 max) {
    ImGui::SetCursorScreenPos(min);
    ImGui::BeginChild("text", {max.x - min.x, max.y - min.y}, false, ImGuiWindowFlags_NoScrollbar);
    // A drag on the text scrolls it.
    if (ImGui::IsWindowHovered() && ImGui::IsMouseDown(0)) text_scroll_ -= ImGui::GetIO().MouseDelta.y;
    text_scroll_ = std::clamp(text_scroll_, 0.f, ImGui::GetScrollMaxY());
    ImGui::SetScrollY(text_scroll_);
    const content::Sector* sector = f.session.manifest().sector(s.sectors.front());
    ImGui::PushFont(fonts().small);
    ImGui::TextColored(ImColor(rgb(sector->colour)), "%s", f.session.text(sector->name).c_str());
    ImGui::PopFont();
    ImGui::PushTextWrapPos(0);
    heading(f.session.text(s.title), fonts().title);
    ImGui::PushFont(fonts().body);
    std::string by = s.company.name + (s.city.empty() ? "" : " · " + city_name(f, s.city));
    ImGui::TextDisabled("%s", by.c_str());
    ImGui::Spacing();
    ImGui::PushFont(fonts().heading);
    ImGui::TextUnformatted(f.session.text(s.summary).c_str());
    ImGui::PopFont();
    if (!s.figures.empty()) {
        ImGui::Spacing();
        float w = (ImGui::GetContentRegionAvail().x - px(16) * static_cast<float>(s.figures.size() - 1)) /
                  static_cast<float>(s.figures.size());
        float x0 = ImGui::GetCursorPosX();
        for (std::size_t i = 0; i < s.figures.size(); ++i) {
            if (i) ImGui::SameLine(x0 + static_cast<float>(i) * (w + px(16)));
            ImGui::BeginGroup();
            ImGui::PushFont(fonts().huge);
            ImGui::TextColored(ImColor(rgb(sector->colour)), "%s", f.session.text(s.figures[i].value).c_str());
            ImGui::PopFont();
            ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + w);
            ImGui::PushFont(fonts().small);
            ImGui::TextUnformatted(f.session.text(s.figures[i].label).c_str());
            ImGui::PopFont();
            ImGui::PopTextWrapPos();
            ImGui::EndGroup();
        }
    }
    ImGui::Spacing();
    ImGui::TextUnformatted(f.session.text(s.body).c_str());
    if (!s.company.about.empty()) {
        ImGui::Spacing();
        ImGui::PushFont(fonts().heading);
        ImGui::TextUnformatted(f.tr("showcase.company").c_str());
        ImGui::PopFont();
        ImGui::TextUnformatted((s.company.name + " — " + f.session.text(s.company.about)).c_str());
    }
    ImGui::PopFont();
    ImGui::PopTextWrapPos();
    ImGui::EndChild();
}

void ShowcaseScreen::draw(Frame& f) {
    const content::Showcase* s = f.session.current();
    if (!s) return;
    if (shown_ != s->id) {  // a new showcase: its film first, if it has one
        shown_ = s->id;
        image_ = 0;
        for (std::size_t i = 0; i < s->media.size(); ++i)
            if (s->media[i].kind == content::Media::Kind::Video) {
                image_ = static_cast<int>(i);
                break;
            }
        text_scroll_ = 0;
    }
    begin_fullscreen("showcase", f);
    const float pad = px(32), bar = px(110);
    ImVec2 body_min{pad, pad + px(72)},
        body_max{f.size.x - pad, f.size.y - bar - (f.portrait && f.session.interest_offered() ? px(96) : 0)};
    if (f.portrait) {
        float split = body_min.y + (body_max.x - body_min.x) * 9.f / 16.f + px(96);
        media(f, *s, body_min, {body_max.x, split});
        text(f, *s, {body_min.x, split + pad}, body_max);
    } else {
        float split = body_min.x + (body_max.x - body_min.x) * 0.55f;
        media(f, *s, body_min, {split, body_min.y + (split - body_min.x) * 9.f / 16.f + px(96)});
        text(f, *s, {split + pad, body_min.y}, body_max);
    }
    // A horizontal swipe over the text goes to the next or previous showcase
    // (over the picture it goes through the gallery).
    ImGuiIO& io = ImGui::GetIO();
    if (ImGui::IsMouseReleased(0) && io.MouseClickedPos[0].y > body_min.y && io.MouseClickedPos[0].y < body_max.y &&
        (f.portrait ? io.MouseClickedPos[0].y > body_min.y + (body_max.x - body_min.x) * 9.f / 16.f + px(96)
                    : io.MouseClickedPos[0].x > body_min.x + (body_max.x - body_min.x) * 0.55f)) {
        ImVec2 d{io.MousePos.x - io.MouseClickedPos[0].x, io.MousePos.y - io.MouseClickedPos[0].y};
        if (std::abs(d.x) > px(160) && std::abs(d.x) > 2 * std::abs(d.y)) {
            if (d.x < 0)
                f.session.next();
            else
                f.session.previous();
        }
    }
    // Bottom bar: back to the grid, previous and next showcase.
    ImGui::SetCursorScreenPos({pad, f.size.y - bar + px(16)});
    ImGui::PushFont(fonts().body);
    if (touch_button(f.tr("showcase.back").c_str(), {px(220), 0})) f.session.back();
    if (f.session.interest_offered()) {
        // Between "back" and the arrows; in portrait, above the bar.
        const std::string cta = f.session.text(f.session.manifest().interest->call_to_action);
        float w = ImGui::CalcTextSize(cta.c_str()).x + px(64);
        ImVec2 keep = ImGui::GetCursorScreenPos();
        if (f.portrait)
            ImGui::SetCursorScreenPos({(f.size.x - w) / 2, f.size.y - bar - px(72)});
        else
            ImGui::SameLine(std::max(pad + px(240), (f.size.x - px(2 * 260 + 16) - w) / 2));
        interest_button(f, {w, 0});
        if (f.portrait) ImGui::SetCursorScreenPos(keep);
    }
    ImGui::SameLine(f.size.x - pad - px(2 * 260 + 16));
    if (touch_button(f.tr("showcase.previous").c_str(), {px(260), 0})) f.session.previous();
    ImGui::SameLine();
    if (touch_button(f.tr("showcase.next").c_str(), {px(260), 0}, true)) f.session.next();
    ImGui::PopFont();
    language_bar(f);
    ImGui::End();
}

// ---------------------------------------------------------------- shared

void language_bar(Frame& f) {
    ImGui::PushFont(fonts().small);
    auto langs = f.catalogs.languages();
    float w = 0;
    std::vector<std::string> names;
    for (const auto& l : langs) {
        names.push_back(f.catalogs.tr("language.name", l) + "##lang-" + l);
        w += ImGui::CalcTextSize(names.back().c_str(), nullptr, true).x + px(48) + ImGui::GetStyle().ItemSpacing.x;
    }
    ImVec2 keep = ImGui::GetCursorScreenPos();
    ImGui::SetCursorScreenPos({f.size.x - w - px(16), px(20)});
    for (std::size_t i = 0; i < langs.size(); ++i) {
        if (i) ImGui::SameLine();
        bool current = langs[i] == f.session.language();
        if (current) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4{0.12f, 0.44f, 0.92f, 1.f});
        float tw = ImGui::CalcTextSize(names[i].c_str(), nullptr, true).x + px(48);
        if (touch_button(names[i].c_str(), {tw, px(60)})) f.session.set_language(langs[i]);
        if (current) ImGui::PopStyleColor();
    }
    ImGui::PopFont();
    ImGui::SetCursorScreenPos(keep);
}

void idle_overlay(Frame& f) {
    if (!f.session.still_there()) return;
    ImGui::SetNextWindowPos({0, 0});
    ImGui::SetNextWindowSize(f.size);
    ImGui::SetNextWindowFocus();  // over the screen, whatever was touched last
    ImGui::PushStyleColor(ImGuiCol_WindowBg, ImVec4{0, 0, 0, 0.75f});
    ImGui::Begin("idle", nullptr, kFullscreen & ~ImGuiWindowFlags_NoBringToFrontOnFocus);
    ImGui::PopStyleColor();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    std::string q = f.tr("idle.still_there");
    std::string c = f.tr("idle.countdown", {{"n", std::to_string(f.session.countdown_left_s())}});
    ImVec2 qs = text_size(fonts().title, q), cs = text_size(fonts().heading, c);
    float y = f.size.y / 2 - px(160);
    text_at(dl, fonts().title, {(f.size.x - qs.x) / 2, y}, IM_COL32_WHITE, q);
    text_at(dl, fonts().heading, {(f.size.x - cs.x) / 2, y + qs.y + px(24)}, IM_COL32(200, 210, 230, 255), c);
    ImGui::PushFont(fonts().heading);
    std::string label = f.tr("idle.continue");
    float bw = ImGui::CalcTextSize(label.c_str()).x + px(96);
    ImGui::SetCursorScreenPos({(f.size.x - bw) / 2, y + qs.y + cs.y + px(80)});
    if (touch_button(label.c_str(), {bw, px(96)}, true)) f.session.touch();
    ImGui::PopFont();
    // Anywhere else counts too (submitted after the button, which keeps the tap).
    ImGui::SetCursorScreenPos({0, 0});
    if (touch_area("##still-there", q, f.size)) f.session.touch();
    ImGui::End();
    f.animating = true;  // the countdown moves
}

}  // namespace vitrine::ui
