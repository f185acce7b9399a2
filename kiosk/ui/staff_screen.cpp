// The PIN pad and the staff screen. Every line of status and every button
// is registered under the text shown, so scripts find "Pending: 2" as a
// staff member reads it.
#include "kiosk/ui/staff_screen.hpp"

#include "platform/outbox_files.hpp"

#include "kiosk/device_info.hpp"
#include "kiosk/ui/widgets.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

using namespace std::chrono;

namespace vitrine::ui {
namespace {

const ImU32 kWhite = IM_COL32(245, 247, 255, 255);
const ImU32 kGrey = IM_COL32(165, 175, 195, 255);
const ImU32 kGreen = IM_COL32(60, 200, 120, 255);
const ImU32 kAmber = IM_COL32(240, 180, 50, 255);
const ImU32 kRed = IM_COL32(240, 90, 80, 255);

// A line of text at `x` (window coordinates), wrapped before `right`,
// registered under itself.
void text_line(float x, float right, const std::string& s, ImU32 colour = kWhite, ImFont* font = nullptr) {
    ImGui::SetCursorPosX(x);
    ImGui::PushFont(font ? font : fonts().body);
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(colour));
    ImGui::PushTextWrapPos(right);
    ImGui::TextUnformatted(s.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
    ImGui::PopFont();
    registry().add(s, ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
}

// A section's title: small, grey, with some room above.
void section(float x, float right, const std::string& s) {
    ImGui::Dummy({0, px(8)});
    text_line(x, right, s, kGrey, fonts().small);
}

// "14:02:11" today, "2026-01-05 14:02" another day; local time.
std::string when(system_clock::time_point t, system_clock::time_point now) {
    std::time_t a = system_clock::to_time_t(t), b = system_clock::to_time_t(now);
    std::tm ta{}, tb{};
    localtime_r(&a, &ta);
    localtime_r(&b, &tb);
    char out[32];
    if (ta.tm_year == tb.tm_year && ta.tm_yday == tb.tm_yday)
        std::strftime(out, sizeof out, "%H:%M:%S", &ta);
    else
        std::strftime(out, sizeof out, "%Y-%m-%d %H:%M", &ta);
    return out;
}

// "45 s", "12 min", "3 h 05 min", "2 d 3 h" (the day's unit from the catalog).
std::string span(const Frame& f, seconds d) {
    long long s = std::max<long long>(0, d.count());
    char out[48];
    if (s < 60)
        std::snprintf(out, sizeof out, "%lld s", s);
    else if (s < 3600)
        std::snprintf(out, sizeof out, "%lld min", s / 60);
    else if (s < 86400)
        std::snprintf(out, sizeof out, "%lld h %02lld min", s / 3600, s / 60 % 60);
    else
        return f.tr("staffmode.days", {{"n", std::to_string(s / 86400)}}) + " " + std::to_string(s / 3600 % 24) + " h";
    return out;
}

std::string gigabytes(std::uint64_t bytes) {
    char out[32];
    std::snprintf(out, sizeof out, "%.1f GB", static_cast<double>(bytes) / 1e9);
    return out;
}

// RFC 3339 UTC as the store writes it, shorter: "2026-01-05 09:00 UTC".
std::string installed_when(const std::string& rfc3339) {
    if (rfc3339.size() < 16) return rfc3339;
    return rfc3339.substr(0, 10) + " " + rfc3339.substr(11, 5) + " UTC";
}

std::string pack_name(const Frame& f, const std::string& id, std::int64_t version) {
    return f.tr("staffmode.pack_version", {{"id", id}, {"version", std::to_string(version)}});
}

}  // namespace

void StaffScreen::forget() {
    page_ = Page::Status;
    forget_ = true;
    exported_.reset();
    export_error_.clear();
    editing_event_ = false;
    event_draft_.clear();
    shift_ = false;
    settings_error_.clear();
}

void install_badge(Frame& f, const content::WatcherStatus& status) {
    const content::FoundPack* p = nullptr;
    for (const auto& found : status.packs)
        if (found.state == content::FoundPack::State::Installing) p = &found;
    if (!p) return;
    const float k = p->progress.bytes_total
                        ? static_cast<float>(p->progress.bytes_done) / static_cast<float>(p->progress.bytes_total)
                        : 0.f;
    const std::string label = f.tr("update.badge");
    ImFont* font = fonts().small;
    const ImVec2 ts = text_size(font, label);
    const float h = px(56), r = px(14);
    const ImVec2 size{h + ts.x + px(20), h};
    const ImVec2 min{px(16), f.size.y - px(16) - size.y}, max{min.x + size.x, min.y + size.y};
    ImGui::SetNextWindowPos(min);
    ImGui::SetNextWindowSize(size);
    // Over the screen (ImGui puts a new window with NoBringToFrontOnFocus at
    // the back), unclipped by any padding.
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, {0, 0});
    ImGui::Begin("update-badge", nullptr,
                 (kFullscreen & ~ImGuiWindowFlags_NoBringToFrontOnFocus) | ImGuiWindowFlags_NoInputs |
                     ImGuiWindowFlags_NoBackground | ImGuiWindowFlags_NoFocusOnAppearing);
    ImGui::PopStyleVar();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(min, max, IM_COL32(10, 12, 18, 170), h / 2);
    // A ring that fills as the pack is copied.
    const ImVec2 c{min.x + h / 2, min.y + h / 2};
    dl->AddCircle(c, r, IM_COL32(255, 255, 255, 60), 0, px(4));
    constexpr float kTop = -1.5707963f;
    dl->PathArcTo(c, r, kTop, kTop + 6.2831853f * std::max(0.03f, k), 32);
    dl->PathStroke(IM_COL32(120, 180, 255, 230), 0, px(4));
    text_at(dl, font, {min.x + h, min.y + (h - ts.y) / 2}, IM_COL32(230, 235, 245, 220), label);
    registry().add(label, min, max);
    ImGui::End();
}

// ---------------------------------------------------------------- the pad

void StaffScreen::draw_pad(Frame& f, StaffMode& staff) {
    begin_fullscreen("staff-pad", f, {0.03f, 0.04f, 0.06f, 1.f});
    const float key_w = px(200), key_h = px(110), gap = px(20);
    const float grid_w = 3 * key_w + 2 * gap;
    const float left = (f.size.x - grid_w) / 2;
    float y = std::max(px(24), (f.size.y - (px(250) + 4 * (key_h + gap) + key_h)) / 2);

    auto centred = [&](const std::string& s, ImFont* font, ImU32 colour) {
        ImVec2 ts = text_size(font, s);
        ImGui::SetCursorScreenPos({(f.size.x - ts.x) / 2, y});
        text_line((f.size.x - ts.x) / 2, 0, s, colour, font);
        y += ts.y + px(16);
    };
    centred(f.tr("staffmode.title"), fonts().title, kWhite);
    // The digits typed show as dots, never as digits.
    std::string shown;
    for (std::size_t i = 0; i < staff.digits(); ++i) shown += i ? " •" : "•";
    centred(shown.empty() ? f.tr("staffmode.pad_prompt") : shown, fonts().heading, shown.empty() ? kGrey : kWhite);
    switch (staff.note()) {
    case StaffMode::PadNote::None: y += fonts().body->FontSize + px(16); break;
    case StaffMode::PadNote::Checking: centred(f.tr("staffmode.pad_checking"), fonts().body, kGrey); break;
    case StaffMode::PadNote::Wrong: centred(f.tr("staffmode.pad_wrong"), fonts().body, kAmber); break;
    case StaffMode::PadNote::Locked:
        centred(f.tr("staffmode.pad_locked"), fonts().body, kRed);
        centred(f.tr("staffmode.pad_locked_for", {{"n", std::to_string(staff.locked_for().count())}}), fonts().body,
                kGrey);
        break;
    }
    y += px(8);

    const bool usable = staff.note() != StaffMode::PadNote::Checking && !staff.locked();
    ImGui::PushFont(fonts().title);
    ImGui::BeginDisabled(!usable);
    const std::string del = f.tr("staffmode.pad_delete"), ok = f.tr("staffmode.pad_ok");
    const char* keys[12] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", nullptr, "0", nullptr};
    for (int i = 0; i < 12; ++i) {
        ImGui::SetCursorScreenPos({left + static_cast<float>(i % 3) * (key_w + gap), y + static_cast<float>(i / 3) * (key_h + gap)});
        if (i == 9) {
            ImGui::PushFont(fonts().heading);
            if (touch_button(del.c_str(), {key_w, key_h})) staff.erase();
            ImGui::PopFont();
        } else if (i == 11) {
            ImGui::PushFont(fonts().heading);
            if (touch_button(ok.c_str(), {key_w, key_h}, true)) staff.submit();
            ImGui::PopFont();
        } else if (touch_button(keys[i], {key_w, key_h})) {
            staff.digit(keys[i][0] - '0');
        }
    }
    ImGui::EndDisabled();
    ImGui::PopFont();
    y += 4 * (key_h + gap);
    ImGui::PushFont(fonts().heading);
    ImGui::SetCursorScreenPos({left, y});
    if (touch_button(f.tr("staffmode.pad_cancel").c_str(), {grid_w, key_h})) staff.cancel();
    ImGui::PopFont();
    ImGui::End();
    // The check's end and the lock's countdown show without a touch.
    if (staff.note() == StaffMode::PadNote::Checking) f.animating = true;
}

// ---------------------------------------------------------------- the staff screen

void StaffScreen::refresh(StaffContext& c) {
    c.probe.watch(c.clock.wall(), c.outbox != nullptr);
    if (forget_) c.probe.refresh(true);
    else if (refresh_) c.probe.refresh();
    forget_ = refresh_ = false;
    snap_ = c.probe.latest();
}

void StaffScreen::top_bar(Frame& f, StaffContext& c) {
    const float pad = px(32);
    ImGui::SetCursorScreenPos({pad, px(20)});
    ImGui::PushFont(fonts().body);
    const std::pair<Page, const char*> tabs[] = {{Page::Status, "staffmode.tab_status"},
                                                  {Page::Packs, "staffmode.tab_packs"},
                                                  {Page::Export, "staffmode.tab_export"},
                                                  {Page::Settings, "staffmode.tab_settings"}};
    bool first = true;
    for (const auto& [page, key] : tabs) {
        if (!first) ImGui::SameLine(0, px(12));
        first = false;
        std::string label = f.tr(key);
        float w = ImGui::CalcTextSize(label.c_str()).x + px(64);
        if (touch_button(label.c_str(), {w, px(80)}, page_ == page)) {
            page_ = page;
            editing_event_ = false;
        }
    }
    std::string leave = f.tr("staffmode.leave");
    float w = ImGui::CalcTextSize(leave.c_str()).x + px(80);
    ImGui::SameLine(f.size.x - pad - w);
    if (touch_button(leave.c_str(), {w, px(80)}, true)) c.leave();
    ImGui::PopFont();
}

void StaffScreen::draw(Frame& f, StaffContext& c) {
    refresh(c);
    // The export's outcome, once it is there.
    if (export_.valid() && export_.wait_for(seconds(0)) == std::future_status::ready) {
        try {
            exported_ = export_.get();
            log(LogLevel::Notice, "staff exported " + std::to_string(exported_->records) + " records to " +
                                      exported_->file.string());
        } catch (const std::exception& e) {
            export_error_ = e.what();
            log(LogLevel::Warning, std::string("staff export refused: ") + e.what());
        }
        refresh_ = true;
    }
    begin_fullscreen("staff", f, {0.05f, 0.06f, 0.08f, 1.f});
    top_bar(f, c);
    ImGui::SetCursorScreenPos({px(32), px(124)});
    // Nothing until the probe's first snapshot (a few milliseconds): a
    // page of stale or empty counts would mislead.
    if (!snap_) {
        f.animating = true;
        ImGui::End();
        return;
    }
    switch (page_) {
    case Page::Status: status_page(f, c); break;
    case Page::Packs: packs_page(f, c); break;
    case Page::Export: export_page(f, c); break;
    case Page::Settings: settings_page(f, c); break;
    }
    ImGui::End();
}

void StaffScreen::status_page(Frame& f, StaffContext& c) {
    const float pad = px(32), top = ImGui::GetCursorPosY();
    const bool two = !f.portrait;
    const float col = two ? (f.size.x - 3 * pad) / 2 : f.size.x - 2 * pad;
    const auto now = c.clock.wall();

    // This kiosk.
    float x = pad, right = pad + col;
    ImGui::SetCursorPosY(top);
    text_line(x, right, f.tr("staffmode.section_device"), kGrey, fonts().small);
    text_line(x, right, f.tr("staffmode.app_version", {{"v", snap_->device.app_version}}));
    text_line(x, right, f.tr("staffmode.device", {{"id", snap_->device.device_id}}));
    text_line(x, right, f.tr("staffmode.event", {{"event", c.event}}));
    if (snap_->current) {
        text_line(x, right, f.tr("staffmode.pack", {{"pack", pack_name(f, snap_->current->id, snap_->current->version)}}));
        text_line(x, right, f.tr("staffmode.pack_installed", {{"when", installed_when(snap_->current->installed_at)}}));
    } else {
        text_line(x, right, f.tr("staffmode.pack_none"), kAmber);
    }
    text_line(x, right,
              snap_->device.disk_free_bytes ? f.tr("staffmode.disk_free", {{"size", gigabytes(*snap_->device.disk_free_bytes)}})
                                      : f.tr("staffmode.disk_unknown"));
    text_line(x, right, f.tr("staffmode.uptime", {{"time", span(f, snap_->device.uptime)}}));
    if (snap_->addresses.empty()) text_line(x, right, f.tr("staffmode.network_none"), kAmber);
    for (const auto& a : snap_->addresses) text_line(x, right, f.tr("staffmode.network", {{"address", a}}));
    float bottom = ImGui::GetCursorPosY();

    // Records and sync.
    if (two) {
        x = 2 * pad + col;
        right = x + col;
        ImGui::SetCursorPosY(top);
    } else {
        ImGui::Dummy({0, px(8)});
    }
    text_line(x, right, f.tr("staffmode.section_records"), kGrey, fonts().small);
    if (snap_->queue) {
        text_line(x, right, f.tr("staffmode.pending", {{"n", std::to_string(snap_->queue->count(platform::State::Pending))}}));
        text_line(x, right, f.tr("staffmode.sent", {{"n", std::to_string(snap_->queue->count(platform::State::Sent))}}));
        text_line(x, right, f.tr("staffmode.rejected", {{"n", std::to_string(snap_->queue->count(platform::State::Rejected))}}),
                  snap_->queue->count(platform::State::Rejected) ? kAmber : kWhite);
        if (snap_->queue->oldest_pending_age)
            text_line(x, right, f.tr("staffmode.oldest_pending", {{"age", span(f, *snap_->queue->oldest_pending_age)}}));
    } else {
        text_line(x, right, f.tr("staffmode.outbox_unusable"), kRed);
        if (!snap_->queue_error.empty()) text_line(x, right, snap_->queue_error, kGrey, fonts().small);
    }
    if (!snap_->set_aside.empty()) {
        const auto& q = snap_->set_aside.back();
        text_line(x, right, f.tr("staffmode.outbox_set_aside"), kAmber, fonts().small);
        text_line(x, right, (q.when ? when(*q.when, c.clock.wall()) + "  " : std::string()) + q.dir.filename().string(),
                  kGrey, fonts().small);
    }
    ImGui::Dummy({0, px(4)});
    if (!c.sync) {
        text_line(x, right, f.tr("staffmode.sync_none"), kAmber);
    } else {
        auto s = c.sync->status();
        ImU32 colour = !s->authorised ? kRed : s->online ? kGreen : kAmber;
        std::string state = f.tr(!s->authorised ? "staffmode.sync_unauthorised"
                                 : s->online    ? "staffmode.sync_online"
                                                : "staffmode.sync_offline");
        ImVec2 p = ImGui::GetCursorScreenPos();
        ImGui::GetWindowDrawList()->AddCircleFilled({x + px(12), p.y + fonts().body->FontSize / 2 + px(2)}, px(10),
                                                    colour);
        text_line(x + px(32), right, state, colour);
        text_line(x, right,
                  s->last_success ? f.tr("staffmode.last_success", {{"when", when(*s->last_success, now)}})
                                  : f.tr("staffmode.last_success_never"));
        if (!s->last_error.empty())
            text_line(x, right, f.tr("staffmode.last_error", {{"error", s->last_error}}), kAmber, fonts().small);
        if (s->next_attempt) text_line(x, right, f.tr("staffmode.next_attempt", {{"when", when(*s->next_attempt, now)}}));
        ImGui::Dummy({0, px(4)});
        ImGui::SetCursorPosX(x);
        ImGui::PushFont(fonts().body);
        if (touch_button(f.tr("staffmode.sync_now").c_str(), {px(320), px(80)}, true)) {
            c.sync_now();
            refresh_ = true;
        }
        ImGui::PopFont();
    }
    bottom = std::max(bottom, ImGui::GetCursorPosY());

    // The last warnings and errors of the log, newest first, as far as they fit.
    ImGui::SetCursorPosY(bottom);
    section(pad, f.size.x - pad, f.tr("staffmode.problems"));
    float left_h = f.size.y - ImGui::GetCursorPosY() - pad;
    if (left_h < px(40)) return;
    ImGui::SetCursorPosX(pad);
    ImGui::BeginChild("problems", {f.size.x - 2 * pad, left_h}, false,
                      ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    if (snap_->problems.empty()) text_line(0, 0, f.tr("staffmode.problems_none"), kGrey, fonts().small);
    for (auto it = snap_->problems.rbegin(); it != snap_->problems.rend(); ++it)
        text_line(0, 0, when(it->at, now) + "  " + it->text, it->level == LogLevel::Error ? kRed : kAmber,
                  fonts().small);
    ImGui::EndChild();
}

void StaffScreen::packs_page(Frame& f, StaffContext& c) {
    using State = content::FoundPack::State;
    using content::Relation;
    const float pad = px(32), right = f.size.x - pad;
    auto status = c.watcher.status();
    bool busy = status->action_pending;
    for (const auto& p : status->packs) busy = busy || p.state == State::Installing;

    // What is installed, and what a rollback goes back to.
    text_line(pad, right, f.tr("staffmode.section_installed"), kGrey, fonts().small);
    if (snap_->current) {
        text_line(pad, right, f.tr("staffmode.pack", {{"pack", pack_name(f, snap_->current->id, snap_->current->version)}}) + " · " +
                                  snap_->current->title);
        text_line(pad, right, f.tr("staffmode.pack_installed", {{"when", installed_when(snap_->current->installed_at)}}));
    } else {
        text_line(pad, right, f.tr("staffmode.pack_none"), kAmber);
    }
    if (snap_->previous) {
        text_line(pad, right, f.tr("staffmode.previous", {{"pack", pack_name(f, snap_->previous->id, snap_->previous->version)}}));
        ImGui::SetCursorPosX(pad);
        ImGui::PushFont(fonts().body);
        ImGui::BeginDisabled(busy);
        if (touch_button(f.tr("staffmode.rollback").c_str(), {0, px(80)}) && !busy) {
            c.watcher.request_rollback();
            log(LogLevel::Notice, "staff asked for a rollback to " + snap_->previous->dir_name);
        }
        ImGui::EndDisabled();
        ImGui::PopFont();
    }

    // The packs on the sticks: valid or why not, newer or not, install.
    section(pad, right, f.tr("staffmode.section_sticks"));
    if (status->packs.empty()) text_line(pad, right, f.tr("staffmode.sticks_none"), kGrey);
    const float bar_w = std::min(px(640), right - pad);
    for (const auto& p : status->packs) {
        ImGui::Dummy({0, px(4)});
        std::string name = p.id.empty() ? p.path.filename().string() : pack_name(f, p.id, p.version);
        if (!p.title.empty()) name += " · " + p.title;
        text_line(pad, right, name, kWhite, fonts().heading);
        text_line(pad, right, p.path.string(), kGrey, fonts().small);
        const char* relation = nullptr;
        switch (p.relation) {
        case Relation::Newer: relation = "staffmode.relation_newer"; break;
        case Relation::Same: relation = "staffmode.relation_same"; break;
        case Relation::Older: relation = "staffmode.relation_older"; break;
        case Relation::OtherPack: relation = "staffmode.relation_other"; break;
        case Relation::NothingInstalled: relation = "staffmode.relation_first"; break;
        }
        switch (p.state) {
        case State::Invalid: text_line(pad, right, f.tr("staffmode.pack_invalid", {{"reason", p.message}}), kRed); break;
        case State::Ready: text_line(pad, right, f.tr(relation), p.relation == Relation::Newer ? kGreen : kWhite); break;
        case State::Installing: {
            float k = p.progress.bytes_total ? static_cast<float>(p.progress.bytes_done) /
                                                   static_cast<float>(p.progress.bytes_total)
                                             : 0.f;
            const std::string label = f.tr("staffmode.installing");
            text_line(pad, right, label);
            ImGui::SetCursorPosX(pad);
            char pct[16];
            std::snprintf(pct, sizeof pct, "%d %%", static_cast<int>(std::floor(k * 100)));
            ImGui::PushStyleColor(ImGuiCol_PlotHistogram, ImVec4{0.12f, 0.44f, 0.92f, 1.f});
            ImGui::ProgressBar(k, {bar_w, px(40)}, pct);
            ImGui::PopStyleColor();
            registry().add(f.tr("staffmode.install_progress"), ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
            f.animating = true;  // the bar moves
            break;
        }
        case State::Installed:
            text_line(pad, right,
                      p.relation == Relation::Same ? f.tr("staffmode.pack_installed_now") : f.tr(relation),
                      kGreen);
            break;
        case State::Failed: text_line(pad, right, f.tr("staffmode.install_failed", {{"reason", p.message}}), kRed); break;
        }
        // Installed, then rolled back: it may go in again.
        if (p.state == State::Ready || p.state == State::Failed ||
            (p.state == State::Installed && p.relation != Relation::Same)) {
            const bool downgrade = p.relation == Relation::Older || p.relation == Relation::Same;
            std::string label = f.tr(p.relation == Relation::Older  ? "staffmode.install_older"
                                     : p.relation == Relation::Same ? "staffmode.install_again"
                                                                    : "staffmode.install") +
                                "##" + p.path.string();
            ImGui::SetCursorPosX(pad);
            ImGui::PushFont(fonts().body);
            ImGui::BeginDisabled(busy);
            if (touch_button(label.c_str(), {0, px(80)}, !downgrade) && !busy) {
                c.watcher.request_install(p.path, downgrade);
                log(LogLevel::Notice, "staff asked to install " + p.path.string());
            }
            ImGui::EndDisabled();
            ImGui::PopFont();
        }
    }
    if (!status->last_action_done.empty())
        text_line(pad, right, f.tr("staffmode.action_done", {{"what", status->last_action_done}}), kGreen);
    if (!status->last_action_error.empty())
        text_line(pad, right, f.tr("staffmode.action_refused", {{"why", status->last_action_error}}), kRed);
    if (busy) f.animating = true;
}

void StaffScreen::export_page(Frame& f, StaffContext& c) {
    const float pad = px(32), right = f.size.x - pad;
    text_line(pad, right, f.tr("staffmode.export_title"), kWhite, fonts().heading);
    text_line(pad, right, f.tr("staffmode.export_hint"), kGrey, fonts().small);
    ImGui::Dummy({0, px(8)});
    const bool running = export_.valid();
    if (snap_->sticks.empty()) text_line(pad, right, f.tr("staffmode.sticks_none_export"), kGrey);
    ImGui::PushFont(fonts().body);
    for (const auto& stick : snap_->sticks) {
        ImGui::SetCursorPosX(pad);
        std::string label = f.tr("staffmode.export_to", {{"stick", stick.filename().string()}}) + "##" + stick.string();
        ImGui::BeginDisabled(running);
        if (touch_button(label.c_str(), {0, px(80)}, true) && !running) {
            exported_.reset();
            export_error_.clear();
            export_stick_ = stick.filename().string();
            // On a worker: a stick may take seconds to write, or hang.
            export_ = std::async(std::launch::async, [file = c.config.outbox_file(), stick,
                                                      id = c.config.device.id, now = c.clock.wall()] {
                return export_queue(file, stick, id, now);
            });
        }
        ImGui::EndDisabled();
    }
    ImGui::PopFont();
    ImGui::Dummy({0, px(8)});
    if (running) {
        text_line(pad, right, f.tr("staffmode.exporting", {{"stick", export_stick_}}));
        f.animating = true;
    } else if (exported_) {
        text_line(pad, right, f.tr("staffmode.exported", {{"n", std::to_string(exported_->records)},
                                                      {"stick", export_stick_}}),
                  kGreen, fonts().heading);
        text_line(pad, right, exported_->file.filename().string());
        text_line(pad, right, exported_->checksum_file.filename().string(), kGrey, fonts().small);
        if (exported_->unreadable > 0)
            text_line(pad, right, f.tr("staffmode.export_unreadable", {{"n", std::to_string(exported_->unreadable)}}),
                      kAmber);
    } else if (!export_error_.empty()) {
        text_line(pad, right, f.tr("staffmode.export_refused"), kRed, fonts().heading);
        text_line(pad, right, export_error_, kWhite);
    }
}

void StaffScreen::settings_page(Frame& f, StaffContext& c) {
    const float pad = px(32), right = f.size.x - pad;
    if (editing_event_) {
        event_editor(f, c);
        return;
    }
    ImGui::PushFont(fonts().body);
    // Event id.
    text_line(pad, right, f.tr("staffmode.event", {{"event", c.event}}));
    ImGui::SetCursorPosX(pad);
    if (touch_button(f.tr("staffmode.event_change").c_str(), {0, px(80)})) {
        editing_event_ = true;
        event_draft_ = c.event;
        shift_ = false;
        settings_error_.clear();
    }
    // Default language: every visit starts in it.
    section(pad, right, f.tr("staffmode.default_language"));
    ImGui::SetCursorPosX(pad);
    bool first = true;
    for (const auto& lang : f.catalogs.languages()) {
        if (!first) ImGui::SameLine();
        first = false;
        std::string label = f.catalogs.tr("language.name", lang) + "##default-" + lang;
        if (chip(label.c_str(), lang == c.default_language, IM_COL32(30, 110, 235, 255)) && lang != c.default_language) {
            LocalSettings change;
            change.default_language = lang;
            settings_error_ = c.change(change);
        }
    }
    // The films' sound (the attract loop stays muted).
    section(pad, right, f.tr("staffmode.volume_title"));
    ImGui::SetCursorPosX(pad);
    auto volume = [&](int v) {
        LocalSettings change;
        change.volume = std::clamp(v, 0, 100);
        if (*change.volume != c.volume) settings_error_ = c.change(change);
    };
    if (touch_button("-##volume-down", {px(96), px(80)})) volume((c.volume + 9) / 10 * 10 - 10);
    ImGui::SameLine();
    ImGui::SetCursorPosY(ImGui::GetCursorPosY() + px(20));
    std::string vol = f.tr("staffmode.volume", {{"n", std::to_string(c.volume)}});
    ImGui::TextUnformatted(vol.c_str());
    registry().add(vol, ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
    ImGui::SameLine();
    ImGui::SetCursorPosY(ImGui::GetCursorPosY() - px(20));
    if (touch_button("+##volume-up", {px(96), px(80)})) volume(c.volume / 10 * 10 + 10);
    // Restart: systemd starts the kiosk again.
    section(pad, right, f.tr("staffmode.restart_hint"));
    ImGui::SetCursorPosX(pad);
    if (touch_button(f.tr("staffmode.restart").c_str(), {0, px(80)})) c.restart();
    ImGui::PopFont();
    if (!settings_error_.empty()) text_line(pad, right, settings_error_, kRed);
}

void StaffScreen::event_editor(Frame& f, StaffContext& c) {
    const float pad = px(32), right = f.size.x - pad;
    text_line(pad, right, f.tr("staffmode.event_new"), kGrey, fonts().small);
    // The draft, with its cursor.
    ImGui::SetCursorPosX(pad);
    ImVec2 p = ImGui::GetCursorScreenPos();
    ImVec2 size{std::min(px(1100), right - pad), px(80)};
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p, {p.x + size.x, p.y + size.y}, IM_COL32(30, 36, 50, 255), px(12));
    dl->AddRect(p, {p.x + size.x, p.y + size.y}, IM_COL32(30, 110, 235, 255), px(12), 0, px(4));
    text_at(dl, fonts().heading, {p.x + px(24), p.y + (size.y - fonts().heading->FontSize) / 2}, kWhite,
            event_draft_ + "|");
    registry().add(event_draft_.empty() ? f.tr("staffmode.event_new") : event_draft_, p, {p.x + size.x, p.y + size.y});
    ImGui::Dummy(size);
    if (!settings_error_.empty()) text_line(pad, right, settings_error_, kRed, fonts().small);
    on_screen_keyboard(f, {pad, ImGui::GetCursorScreenPos().y + px(4)}, f.size.x - 2 * pad, shift_,
                       {[this](const std::string& s) {
                            if (event_draft_.size() < 64) event_draft_ += s;
                        },
                        [this] {
                            // One character, not one byte.
                            while (!event_draft_.empty() &&
                                   (static_cast<unsigned char>(event_draft_.back()) & 0xC0) == 0x80)
                                event_draft_.pop_back();
                            if (!event_draft_.empty()) event_draft_.pop_back();
                        },
                        [this] { event_draft_.clear(); }});
    // Save and cancel, at the bottom right.
    ImGui::PushFont(fonts().body);
    const std::string save = f.tr("staffmode.save"), cancel = f.tr("staffmode.cancel");
    float ws = ImGui::CalcTextSize(save.c_str()).x + px(96), wc = ImGui::CalcTextSize(cancel.c_str()).x + px(96);
    ImGui::SetCursorScreenPos({f.size.x - pad - ws - wc - px(16), f.size.y - px(104)});
    if (touch_button(cancel.c_str(), {wc, px(80)})) {
        editing_event_ = false;
        settings_error_.clear();
    }
    ImGui::SameLine(0, px(16));
    if (touch_button(save.c_str(), {ws, px(80)}, true)) {
        if (!valid_identifier(event_draft_)) {
            settings_error_ = f.tr("staffmode.event_invalid");
        } else {
            LocalSettings change;
            change.event = event_draft_;
            settings_error_ = c.change(change);
            if (settings_error_.empty()) editing_event_ = false;
        }
    }
    ImGui::PopFont();
}

}  // namespace vitrine::ui
