#include "kiosk/ui/app.hpp"

#include "content/catalogue.hpp"
#include "content/error.hpp"
#include "content/watcher.hpp"
#include "platform/clock.hpp"
#include "kiosk/device_info.hpp"
#include "kiosk/i18n.hpp"
#include "kiosk/images.hpp"
#include "kiosk/log.hpp"
#include "kiosk/service.hpp"
#include "kiosk/hours.hpp"
#include "kiosk/local_settings.hpp"
#include "kiosk/session.hpp"
#include "kiosk/staff.hpp"
#include "kiosk/ui/pointer.hpp"
#include "kiosk/ui/screens.hpp"
#include "kiosk/ui/script_runner.hpp"
#include "kiosk/ui/staff_screen.hpp"
#include "kiosk/ui/widgets.hpp"
#include "kiosk/ui/window.hpp"
#include "kiosk/video.hpp"
#include "platform/outbox.hpp"
#include "platform/outbox_files.hpp"
#include "platform/sync_worker.hpp"
#include "platform/stats.hpp"

#include <SDL2/SDL.h>
#include <GLES3/gl3.h>
#include <imgui.h>
#include <stb_image_write.h>

#include <malloc.h>
#include <unistd.h>

#include <cfloat>
#include <fstream>
#include <sstream>
#include <time.h>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace vitrine::ui {
namespace {

// Seconds since this process started (the kernel's clock, in ticks).
double process_age() {
    std::ifstream stat("/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string f;
    for (int i = 3; i <= 22 && fields >> f; ++i) {}
    timespec now{};
    clock_gettime(CLOCK_BOOTTIME, &now);
    double started = std::stod(f) / static_cast<double>(sysconf(_SC_CLK_TCK));
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9 - started;
}

class Kiosk {
public:
    Kiosk(const Config& config, const AppOptions& options)
        : config_(config),
          options_(options),
          script_(options.script, options.script_source, options.shots_dir,
                  {.advance = [this](std::chrono::steady_clock::duration d) {
                       clock_.advance(d);
                       if (sync_) sync_->poke();  // its back-off reads the same clock
                   },
                   .shot = [this](const fs::path& file) { shot_pending_ = file; },
                   .frames_drawn = [this] { return frames_; }}) {
        if (!script_.empty()) settle_frames_ = 0;  // the script lets the UI settle
    }
    ~Kiosk() { shutdown(); }
    int run();

private:
    bool start();
    void shutdown();
    void frame();
    void direct_video();
    void release_video();
    VideoPlayer& video();
    // Staff mode and opening hours.
    void on_press(ImVec2 at);
    void follow_staff();
    StaffContext staff_context();
    std::string change_settings(const LocalSettings& change);
    bool should_be_dark() const;
    void dark_frame();
    int install_permille() const;
    void check_new_pack();
    void open_outbox();
    void start_sync();
    void commit(const platform::Record& r);
    void flush_stats(bool all);
    int wait_ms() const;
    bool clock_moved_view();
    bool wait_event(SDL_Event& e, int timeout_ms);
    void screenshot(const fs::path& file);
    ImVec2 display() const { return {float(width_), float(height_)}; }

    const Config& config_;
    AppOptions options_;
    ServiceNotifier service_;
    std::unique_ptr<Window> window_;  // torn down last: the player and the images hold GL objects
    int width_ = 0, height_ = 0;

    KioskClock clock_;
    platform::StatsCollector stats_{clock_};
    std::unique_ptr<platform::Outbox> outbox_;  // none when it cannot be opened: no record is saved
    std::unique_ptr<platform::SyncWorker> sync_;  // none when no platform is configured
    content::PackStore store_{config_.device.data_dir};
    std::unique_ptr<content::PackWatcher> watcher_;
    StaffProbe staff_probe_{config_, store_};  // gathers what the staff screen shows, on its own thread
    std::uint64_t installs_seen_ = 0;
    std::unique_ptr<Catalogs> catalogs_;
    std::unique_ptr<Session> session_;
    std::unique_ptr<ImageCache> images_;
    std::unique_ptr<VideoPlayer> video_;  // made on demand, released on the grid
    VideoPlayer::Options video_options_;
    std::int64_t dropped_before_ = 0;  // by players released earlier
    std::uint32_t wake_event_ = 0;
    SDL_sem* wake_ = nullptr;  // posted with every wake_event_ and player event: see wait_event()

    AttractScreen attract_;
    GridScreen grid_;
    ShowcaseScreen showcase_;
    InterestScreen interest_;
    Film film_of_;               // the showcase film whose start was counted
    bool film_end_seen_ = false;
    Pointer pointer_;
    std::uint64_t generation_ = 0;
    std::string pack_shown_;
    Film film_;  // what the player was last told to play
    bool animating_ = true;

    // Staff mode: entered by a gesture and a PIN; what staff change on screen
    // is saved in settings.json and applied at once.
    StaffMode staff_{StaffOptions{config_.staff.pin_hash, std::chrono::seconds(config_.staff.idle_timeout_s)}, clock_};
    StaffScreen staff_screen_;
    std::uint64_t staff_entries_ = 0, staff_exits_ = 0;  // of staff_, as last seen
    LocalSettings settings_;      // as saved
    std::string event_;           // the event id records carry now
    mutable std::mutex event_mutex_;  // event_ is read by the sync worker's heartbeat too
    int volume_ = 0;              // showcase films' volume, percent
    bool restart_ = false;        // staff asked for it: the loop ends with exit status 75

    // Opening hours: outside them the screen is dark until a touch wakes it.
    OpeningHours hours_;
    bool dark_ = false, dark_drawn_ = false;
    bool swallow_press_ = false;  // the touch that woke the screen, until it is lifted
    Clock::time_point awake_until_{};
    std::uint64_t frames_ = 0;
    GLsync last_fence_ = nullptr;
    int settle_frames_ = 2;
    std::chrono::steady_clock::time_point last_frame_ = std::chrono::steady_clock::now();

    ScriptRunner script_;
    std::optional<fs::path> shot_pending_;  // a screenshot of this frame, for the script
    int exit_code_ = 0;
};

bool Kiosk::start() {
    try {
        window_ = std::make_unique<Window>(Window::Options{options_.width, options_.height, options_.portrait,
                                                           options_.headless});
    } catch (const std::exception& e) {
        log(LogLevel::Error, e.what());
        return false;
    }
    width_ = window_->width();
    height_ = window_->height();
    wake_event_ = SDL_RegisterEvents(1);
    wake_ = SDL_CreateSemaphore(0);
    if (!wake_) {
        log(LogLevel::Error, std::string("cannot start: ") + SDL_GetError());
        return false;
    }

    setup_style_and_fonts(static_cast<float>(std::min(width_, height_)) / 1080.f);

    // The config comes with the staff's settings applied over it (`vitrine run`).
    event_ = config_.device.event;
    volume_ = config_.device.volume;
    settings_ = load_local_settings(config_.device.data_dir);
    hours_ = config_.hours.hours();
    if (!staff_.enabled())
        log(LogLevel::Notice, "staff mode cannot be entered: no [staff] pin_hash (set one with vitrine staff set-pin)");
    try {
        catalogs_ = std::make_unique<Catalogs>(Catalogs::load(options_.assets_dir / "i18n", config_.device.default_language));
        SessionOptions so;
        so.default_language = config_.device.default_language;
        so.idle_timeout = std::chrono::seconds(config_.device.idle_timeout_s);
        open_outbox();
        SessionServices services;
        services.interest.device_id = config_.device.id;
        services.interest.event = config_.device.event;
        services.interest.seal_key = config_.platform.seal_public_key;
        services.interest.qr_url = config_.platform.qr_url;
        services.commit = [this](const platform::Record& r) { commit(r); };
        services.stats = &stats_;
        session_ = std::make_unique<Session>(so, content::load_current(store_), clock_, std::move(services));
    } catch (const std::exception& e) {
        log(LogLevel::Error, e.what());
        return false;
    }
    ImageCache::Options io;
    io.wake = [ev = wake_event_, sem = wake_] {
        SDL_Event e{};
        e.type = ev;
        if (SDL_PushEvent(&e) == 1) SDL_SemPost(sem);
    };
    io.log = [](const std::string& line) { log(LogLevel::Warning, line); };  // a picture that cannot be shown
    images_ = std::make_unique<ImageCache>(io);
    pack_shown_ = session_->pack().dir_name;  // else the first visit's pictures go at its end
    VideoPlayer::Options& vo = video_options_;
    vo.audio_output = options_.headless ? "null" : "auto";
    if (options_.headless) vo.hwdec = "no";  // nothing to probe on a machine with no display
    vo.wake = [sem = wake_] { SDL_SemPost(sem); };
    vo.log = [](LogLevel level, const std::string& prefix, const std::string& text) {
        log(level, std::string(level == LogLevel::Error ? "video error: " : "video warning: ") + prefix + ": " + text);
    };
    video();  // the attract loop plays at once

    content::PackWatcher::Options wo;
    wo.dirs = config_.packs.watch_dirs;
    wo.trusted = config_.packs.trusted_keys;
    wo.auto_install = config_.packs.auto_install;
    watcher_ = std::make_unique<content::PackWatcher>(store_, wo);
    start_sync();
    installs_seen_ = watcher_->status()->installed_count;
    if (!config_.packs.trusted_keys.empty()) watcher_->start();
    log(LogLevel::Info, "started on " + window_->driver() + ", " + std::to_string(width_) + "x" +
        std::to_string(height_) + ", pack " + session_->pack().dir_name);
    return true;
}

void Kiosk::shutdown() {
    service_.stopping();
    if (session_) session_->interest().end();
    flush_stats(true);
    sync_.reset();  // cuts a transfer short: what was not acknowledged stays pending
    session_.reset();
    outbox_.reset();
    if (last_fence_) glDeleteSync(last_fence_);
    last_fence_ = nullptr;
    if (watcher_) watcher_->stop();
    video_.reset();
    images_.reset();
    if (wake_) SDL_DestroySemaphore(wake_);  // nothing posts it any more
    wake_ = nullptr;
    window_.reset();
}

// Staff read these lines in the log (and, later, on the status screen):
// they name the file and what to do, never a visitor's data.
void Kiosk::open_outbox() {
    try {
        // The kiosk's own connection is the first: it may wait for a reader to finish and check the files alone.
        platform::OutboxOptions options = config_.outbox_options();
        options.wait_alone = std::chrono::seconds(2);
        outbox_ = std::make_unique<platform::Outbox>(config_.outbox_file(), options);
        if (std::string what = platform::describe(outbox_->opening()); !what.empty()) log(LogLevel::Error, what);
    } catch (const std::exception& e) {
        log(LogLevel::Error,
            std::string("the outbox cannot be used, visitors' interest will not be saved: ") + e.what());
    }
}

// Records go to the platform from the sync worker's thread; the visitor
// never waits for the network.
void Kiosk::start_sync() {
    if (config_.platform.base_url.empty()) {
        log(LogLevel::Notice, "no platform configured ([platform] base_url): records stay in the outbox");
        return;
    }
    platform::SyncWorkerSetup setup;
    setup.settings = config_.sync_settings();
    setup.token_file = config_.platform.token_file;
    setup.outbox_file = config_.outbox_file();
    setup.outbox_options = config_.outbox_options();
    setup.device = [this] {
        platform::DeviceInfo d = device_info(config_);
        std::lock_guard lock(event_mutex_);
        d.event = event_;  // staff may have changed it
        return d;
    };
    setup.log = [](platform::SyncLogLevel level, const std::string& line) {
        log(level == platform::SyncLogLevel::Error     ? LogLevel::Error
            : level == platform::SyncLogLevel::Warning ? LogLevel::Warning
                                                       : LogLevel::Info,
            line);
    };
    sync_ = std::make_unique<platform::SyncWorker>(std::move(setup), clock_);
}

// A visitor's record, committed before their QR code shows; throws when it
// was not, and the visitor reads "try again later".
void Kiosk::commit(const platform::Record& r) {
    if (!outbox_) open_outbox();  // staff may have moved a damaged file aside
    if (!outbox_) {
        log(LogLevel::Error, "a record could not be saved: the outbox cannot be used (see the error above)");
        throw std::runtime_error("the outbox cannot be used");
    }
    auto t0 = std::chrono::steady_clock::now();
    try {
        outbox_->add(r);
    } catch (const std::exception& e) {
        log(LogLevel::Error, std::string("a record could not be saved: ") + e.what());
        throw;
    }
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    log(LogLevel::Info, std::string(platform::kind_name(r.kind)) + " record " + r.id + " saved in " + ms + " ms");
    if (sync_) sync_->poke();
}

// Statistics of the hours that have ended (all, at exit) into the outbox.
void Kiosk::flush_stats(bool all) {
    if (!session_) return;
    const auto& pack = session_->manifest().pack;
    for (auto& payload : stats_.take(all)) {
        platform::RecordContext ctx{config_.device.id, event_, pack.id, pack.version};
        try {
            commit(platform::make_stats(ctx, clock_.wall(), std::move(payload)));
        } catch (const std::exception&) {
            // Logged by commit(); an hour of counts is lost, nothing personal.
        }
    }
}

void Kiosk::check_new_pack() {
    auto status = watcher_->status();
    if (status->installed_count == installs_seen_) return;
    installs_seen_ = status->installed_count;
    try {
        session_->offer_pack(content::load_current(store_));
        log(LogLevel::Notice, "a new pack is installed; it will show on the attract loop");
    } catch (const content::PackError& e) {
        log(LogLevel::Error, std::string("the new pack cannot be read: ") + e.what());
    }
}

VideoPlayer& Kiosk::video() {
    if (!video_) {
        video_ = std::make_unique<VideoPlayer>(video_options_);
        video_->set_volume(volume_);  // for showcase films; the attract loop mutes it
    }
    return *video_;
}

// The player goes, with its decoder, its frames and its GL objects, and the
// memory goes back to the system.
void Kiosk::release_video() {
    if (!video_) return;
    dropped_before_ += video_->dropped_frames();
    video_.reset();
    film_ = {};
    session_->set_watching(false);
    ::malloc_trim(0);
}

// The attract loop plays the campaign; the showcase screen plays its own
// film (it knows what its gallery shows); anything else stops the player.
void Kiosk::direct_video() {
    const auto& pack = session_->pack();
    if (session_->screen() == Screen::Attract) {
        Film campaign = Film::campaign(pack.dir_name);
        if (campaign != film_) {
            std::vector<VideoPlayer::Item> items;
            for (const auto& c : session_->manifest().campaign) {
                VideoPlayer::Item it{pack.file(c.video), {}};
                for (const auto& [lang, path] : c.subtitles) it.subtitles[lang] = pack.file(path);
                items.push_back(std::move(it));
            }
            video().set_muted(true);
            video().play_loop(items);
            film_ = std::move(campaign);
            stats_.video_started("");
        }
    } else if (session_->screen() == Screen::Grid || session_->screen() == Screen::Interest) {
        // No film on the grid, nor behind the interest flow: a hidden film
        // would hold the idle reset for a visitor who walked away.
        release_video();
    }
    if (!video_) {
        session_->set_watching(false);
        return;
    }
    // A showcase's film: started, and played to its end.
    const content::Showcase* shown = session_->current();
    if (film_.kind == Film::Kind::Showcase && shown) {
        if (film_of_ != film_) {
            film_of_ = film_;
            film_end_seen_ = false;
            stats_.video_started(shown->id);
        }
        if (video_->ended() && !film_end_seen_) {
            film_end_seen_ = true;
            stats_.video_completed(shown->id);
        }
    } else {
        film_of_ = {};
    }
    // The campaign fills the screen: straight onto the framebuffer, under the UI.
    video_->set_on_screen(session_->screen() == Screen::Attract);
    video_->set_language(session_->language(), config_.device.default_language);
    // On the attract screen the tagline and the invitation hold the lowest
    // quarter: the subtitles go above them.
    video_->set_subtitle_position(session_->screen() == Screen::Attract ? 72 : 100);
    session_->set_watching(film_.kind == Film::Kind::Showcase && !video_->paused() && !video_->ended());
}

// A finger or the mouse went down, anywhere, whatever the screen shows:
// the staff gesture's taps count on every screen, the dark one included,
// and outside opening hours a touch keeps the screen awake.
void Kiosk::on_press(ImVec2 at) {
    if (!hours_.always() && !is_open(hours_, clock_.wall()))
        awake_until_ = clock_.now() + std::chrono::seconds(config_.hours.wake_s);
    if (staff_.press(at.x, at.y, static_cast<float>(width_), static_cast<float>(height_))) {
        // The corner taps landed on the language bar too: the pad speaks the kiosk's language.
        session_->set_language(session_->default_language());
        log(LogLevel::Notice, "staff PIN pad opened");
    }
}

// Staff mode opened or closed since the last frame: either way the visit
// ends (nothing a visitor typed survives), and the attract loop follows.
void Kiosk::follow_staff() {
    if (staff_.entries() != staff_entries_) {
        staff_entries_ = staff_.entries();
        session_->end_visit();
        release_video();
        staff_screen_.forget();
        log(LogLevel::Notice, "staff mode opened");
    }
    if (staff_.exits() != staff_exits_) {
        staff_exits_ = staff_.exits();
        session_->end_visit();
        awake_until_ = clock_.now() + std::chrono::seconds(config_.hours.wake_s);
        log(LogLevel::Notice, staff_.left_idle() ? "staff mode closed: nobody touched it" : "staff mode left");
    }
}

StaffContext Kiosk::staff_context() {
    return StaffContext{config_,
                        clock_,
                        outbox_.get(),
                        sync_.get(),
                        staff_probe_,
                        *watcher_,
                        store_,
                        event_,
                        session_->default_language(),
                        volume_,
                        [this](const LocalSettings& change) { return change_settings(change); },
                        [this] {
                            if (sync_) sync_->sync_now();
                            log(LogLevel::Notice, "staff asked for a sync now");
                        },
                        [this] { staff_.leave(); },
                        [this] { restart_ = true; }};
}

// Saved first: a change that cannot be kept across a restart is not made.
std::string Kiosk::change_settings(const LocalSettings& change) {
    LocalSettings next = settings_;
    if (change.event) next.event = change.event;
    if (change.default_language) next.default_language = change.default_language;
    if (change.volume) next.volume = change.volume;
    try {
        save_local_settings(config_.device.data_dir, next);
    } catch (const std::exception& e) {
        log(LogLevel::Error, std::string("the staff's settings cannot be saved: ") + e.what());
        return e.what();
    }
    settings_ = next;
    if (change.event) {
        {
            std::lock_guard lock(event_mutex_);
            event_ = *change.event;
        }
        session_->interest().set_event(event_);
        log(LogLevel::Notice, "staff set the event id to " + event_);
    }
    if (change.default_language) {
        session_->set_default_language(*change.default_language);
        session_->set_language(*change.default_language);  // the staff screen follows
        log(LogLevel::Notice, "staff set the default language to " + *change.default_language);
    }
    if (change.volume) {
        volume_ = *change.volume;
        if (video_) video_->set_volume(volume_);
        log(LogLevel::Notice, "staff set the films' volume to " + std::to_string(volume_) + " %");
    }
    return {};
}

// Outside the opening hours, once nobody uses the kiosk (the attract loop,
// staff mode closed) and a touch's wake time is over.
bool Kiosk::should_be_dark() const {
    if (hours_.always() || !staff_.closed() || session_->screen() != Screen::Attract) return false;
    if (clock_.now() < awake_until_) return false;
    return !is_open(hours_, clock_.wall());
}

// The dark screen: the visit ends, the player goes, one black frame; then
// nothing is drawn until a touch or the opening time (see wait_ms()).
void Kiosk::dark_frame() {
    if (!dark_) {
        dark_ = true;
        dark_drawn_ = false;
        animating_ = false;
        session_->end_visit();
        release_video();
        log(LogLevel::Notice, "outside opening hours: the screen is dark until a touch or the opening time");
    }
    flush_stats(false);
    registry().begin_frame();  // nothing on screen to tap
    registry().end_frame();
    if (dark_drawn_ && !shot_pending_) return;
    glViewport(0, 0, width_, height_);
    glClearColor(0, 0, 0, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    if (shot_pending_) {
        screenshot(*shot_pending_);
        shot_pending_.reset();
    }
    window_->swap();
    dark_drawn_ = true;
}

// A pack being installed from a stick, in thousandths; -1 when none is.
int Kiosk::install_permille() const {
    for (const auto& p : watcher_->status()->packs)
        if (p.state == content::FoundPack::State::Installing)
            return p.progress.bytes_total ? static_cast<int>(p.progress.bytes_done * 1000 / p.progress.bytes_total) : 0;
    return -1;
}

void Kiosk::frame() {
    auto now = std::chrono::steady_clock::now();
    float dt = std::min(0.1f, std::chrono::duration<float>(now - last_frame_).count());
    last_frame_ = now;

    check_new_pack();
    staff_.tick();
    follow_staff();
    if (frames_ > 0 && should_be_dark()) {
        dark_frame();
        return;
    }
    dark_ = false;
    session_->tick();
    flush_stats(false);
    if (session_->generation() != generation_) {
        generation_ = session_->generation();
        grid_.forget();
        showcase_.forget();
        if (session_->pack().dir_name != pack_shown_) {  // a new pack: the old pictures go
            pack_shown_ = session_->pack().dir_name;
            images_->clear();
        }
    }
    if (staff_.closed())
        direct_video();
    else
        release_video();  // no film under the PIN pad or the staff screen
    if (video_) video_->render_if_needed();
    images_->upload_ready();

    window_->new_frame();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = display();
    io.DisplayFramebufferScale = {1, 1};
    io.DeltaTime = dt > 0 ? dt : 1.f / 60;
    pointer_.apply(io);
    if (io.MouseDown[0] && !session_->still_there()) session_->input();
    if (io.MouseDown[0]) staff_.touched();
    registry().begin_frame();
    ImGui::NewFrame();

    Frame f{*session_, *catalogs_, *images_, [this]() -> VideoPlayer& { return video(); }, display(), height_ > width_, dt, film_};
    f.redact = shot_pending_.has_value();
    if (staff_.state() == StaffMode::State::Open) {
        StaffContext c = staff_context();
        staff_screen_.draw(f, c);
    } else if (staff_.state() == StaffMode::State::Pad) {
        staff_screen_.draw_pad(f, staff_);
    } else {
        switch (session_->screen()) {
        case Screen::Attract: attract_.draw(f); break;
        case Screen::Grid: grid_.draw(f); break;
        case Screen::Showcase: showcase_.draw(f); break;
        case Screen::Interest: interest_.draw(f); break;
        }
        idle_overlay(f);
        install_badge(f, *watcher_->status());
    }
    animating_ = f.animating;

    registry().end_frame();
    ImGui::Render();
    glViewport(0, 0, width_, height_);
    if (video_ && video_->on_screen()) {
        video_->render_on_screen(width_, height_);
    } else {
        glClearColor(0, 0, 0, 1);
        glClear(GL_COLOR_BUFFER_BIT);
    }
    window_->render();
    // Debian's ImGui GL3 backend is built for desktop GL: on GL ES it saves
    // and restores GL_POLYGON_MODE and GL_PRIMITIVE_RESTART, which ES does
    // not have. Harmless, but the errors it leaves would be read by mpv's
    // own checks as its errors. Drain them here.
    while (glGetError() != GL_NO_ERROR) {}
    if (shot_pending_) {
        screenshot(*shot_pending_);
        shot_pending_.reset();
    }
    window_->swap();
    // mpv's video thread waits for this before it takes the next picture:
    // told at once, as a bare libmpv player would, not after the wait below.
    if (video_) video_->report_swap();
    // At most one frame in flight: where the swap does not wait for the
    // display (the offscreen driver, some KMSDRM setups), frames would pile
    // up faster than the GPU draws them, each holding its buffers.
    if (last_fence_) {
        glClientWaitSync(last_fence_, GL_SYNC_FLUSH_COMMANDS_BIT, 1'000'000'000);
        glDeleteSync(last_fence_);
    }
    last_fence_ = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
    if (frames_++ == 0) {
        // The font atlas is on the GPU now: its CPU copies (alpha and RGBA)
        // are 10+ MB the kiosk never reads again.
        ImGui::GetIO().Fonts->ClearTexData();
        char age[32];
        std::snprintf(age, sizeof age, "%.3f", process_age());
        log(LogLevel::Info, std::string("first interactive frame ") + age + " s after start");
        service_.ready("showing pack " + session_->pack().dir_name);  // systemd: started
    }
}

void Kiosk::screenshot(const fs::path& file) {
    std::vector<unsigned char> px(static_cast<std::size_t>(width_) * height_ * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width_, height_, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
    // GL's rows go bottom-up; a PNG's top-down.
    std::vector<unsigned char> flipped(px.size());
    std::size_t row = static_cast<std::size_t>(width_) * 4;
    for (int y = 0; y < height_; ++y)
        std::copy_n(px.data() + row * static_cast<std::size_t>(height_ - 1 - y), row,
                    flipped.data() + row * static_cast<std::size_t>(y));
    for (std::size_t i = 3; i < flipped.size(); i += 4) flipped[i] = 255;
    std::error_code ec;
    if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
    if (!stbi_write_png(file.c_str(), width_, height_, 4, flipped.data(), static_cast<int>(row)))
        throw ScriptError("cannot write " + file.string());
    log(LogLevel::Info, "wrote " + file.string() + " (frames drawn: " + std::to_string(frames_) + ")");
}

// After a sleep with no event only time has passed: is there anything new
// to show (the idle countdown, a reset, a pack to apply)? If not, no frame:
// an idle kiosk draws nothing.
bool Kiosk::clock_moved_view() {
    auto view = [&] {
        return std::make_tuple(session_->screen(), session_->still_there(), session_->countdown_left_s(),
                               session_->generation(), watcher_->status()->installed_count, staff_.state(),
                               staff_.locked_for().count(), install_permille() / 10);
    };
    auto before = view();
    session_->tick();
    staff_.tick();
    // The staff screen's status is read afresh every second.
    return view() != before || watcher_->status()->installed_count != installs_seen_ ||
           staff_.state() == StaffMode::State::Open || (frames_ > 0 && dark_ != should_be_dark());
}

// SDL_WaitEventTimeout, but for video drivers with no blocking wait
// (offscreen, KMSDRM) SDL 2 polls every millisecond: a thousand wakeups a
// second on an idle kiosk. Long waits poll every 10 ms instead, which a
// finger cannot tell, and sleep on wake_, which the video player and the
// image loader post with their events: a new video frame is drawn at once,
// not up to 10 ms late (mpv drops the frames after a late one).
bool Kiosk::wait_event(SDL_Event& e, int timeout_ms) {
    // Woken in time for the next keep-alive, however long the idle (or dark) kiosk sleeps.
    timeout_ms = std::min(timeout_ms, static_cast<int>(service_.until_ping().count()));
    if (timeout_ms <= 16) return SDL_WaitEventTimeout(&e, timeout_ms);
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (SDL_SemTryWait(wake_) == 0) {}  // the events of these posts are in the queue
    for (;;) {
        if (SDL_PollEvent(&e)) return true;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
        if (left <= 0) return false;
        SDL_SemWaitTimeout(wake_, static_cast<Uint32>(std::min<long long>(left, 10)));
    }
}

// How long the loop may sleep before the next frame.
int Kiosk::wait_ms() const {
    if (animating_ || pointer_.busy() || settle_frames_ > 0 || session_->interest().keys_pending() || script_.busy())
        return 16;
    if (auto left = script_.wait_left_ms()) return std::clamp(*left, 1, 1000);
    if (dark_) {  // until the opening time; a touch comes as an event
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_change(hours_, clock_.wall()) -
                                                                          clock_.wall());
        return static_cast<int>(std::clamp<long long>(left.count() + 1, 1, 3'600'000));
    }
    return 1000;
}

int Kiosk::run() {
    if (!start()) return 1;
    struct Report {
        Kiosk& k;
        ~Report() {
            log(LogLevel::Info, "frames drawn: " + std::to_string(k.frames_));
            log(LogLevel::Info, "video frames dropped: " +
                std::to_string(k.dropped_before_ + (k.video_ ? k.video_->dropped_frames() : 0)));
        }
    } report{*this};
    const bool scripted = !script_.empty();
    bool quit = false;
    while (!quit) {
        // The watchdog's keep-alive, from this loop and nothing else: a hung
        // loop stops it and systemd restarts the kiosk (see service.hpp).
        service_.ping();
        SDL_Event e;
        // Redraw on demand: with nothing moving, sleep until an event comes
        // (a touch, a decoded image, a new video frame) or the next idle
        // check. A film's own frames pace the redraws while it plays.
        const int timeout = wait_ms();
        bool got = wait_event(e, timeout);
        if (!got && timeout > 16 && !clock_moved_view()) continue;  // nothing to draw
        bool player_only = got;  // woken by the video player and nothing else
        while (got) {
            if (e.type != VideoPlayer::event_type()) player_only = false;
            if (e.type == SDL_QUIT) quit = true;
            if (e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_ESCAPE && options_.width != 0) quit = true;
            if (auto at = press_at(e, display())) {
                if (dark_) swallow_press_ = true;  // the touch that wakes the screen does nothing else
                on_press(*at);
            }
            const bool swallowed = swallow_press_ && is_pointer(e);
            if (swallowed && is_release(e)) swallow_press_ = false;
            if (!swallowed) pointer_.handle(e, display());
            if (e.type == VideoPlayer::event_type() && video_) video_->handle_events();
            // A keyboard device is the badge scanner (the kiosk has no keyboard).
            if (e.type == SDL_TEXTINPUT) {
                session_->input();
                session_->interest().key_text(e.text.text);
            }
            if (e.type == SDL_KEYDOWN && (e.key.keysym.sym == SDLK_RETURN || e.key.keysym.sym == SDLK_KP_ENTER)) {
                session_->input();
                session_->interest().key_enter();
            }
            if (!swallowed) window_->handle(e);
            if (!scripted && e.type != wake_event_ && e.type != VideoPlayer::event_type())
                settle_frames_ = std::max(settle_frames_, 2);
            got = SDL_PollEvent(&e);
        }
        // The player wakes the loop for its logs and properties too: a frame
        // only for a new picture, unless something else moves.
        if (player_only && !animating_ && !pointer_.busy() && settle_frames_ == 0 && !script_.busy() &&
            !(video_ && video_->render_if_needed()))
            continue;
        try {
            if (scripted && !script_.step()) break;
            frame();
        } catch (const ScriptError& err) {
            log(LogLevel::Error, err.what());
            exit_code_ = 1;
            break;
        }
        if (restart_) {
            log(LogLevel::Notice, "restart asked for by staff: exit status 75");
            exit_code_ = 75;
            break;
        }
        if (!scripted && settle_frames_ > 0) --settle_frames_;
    }
    return exit_code_;
}

}  // namespace

fs::path default_assets_dir() {
    char self[4096];
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = 0;
        fs::path exe = fs::path(self).parent_path();
        for (const fs::path& candidate : {exe / "assets", exe / "../share/vitrine", fs::path(VITRINE_SOURCE_ASSETS)})
            if (fs::exists(candidate / "i18n")) return candidate;
    }
    return VITRINE_SOURCE_ASSETS;
}

int run_app(const Config& config, const AppOptions& options) {
    // Pictures, video frames and GL buffers are big blocks, allocated and
    // freed as the visitor moves on. A fixed threshold keeps them in their
    // own mappings, given back on free; glibc's adaptive one would move them
    // into the heaps of the threads that freed them and keep them there.
    ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    Kiosk kiosk(config, options);
    return kiosk.run();
}

}  // namespace vitrine::ui
