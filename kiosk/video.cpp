// VideoPlayer on libmpv's client and render APIs. The rules it lives by come
// from mpv's client.h and render.h: callbacks from libmpv's threads only set
// a flag and push an SDL event; every other call runs on the UI thread and
// never waits on mpv's core (no synchronous command or property read: the
// render thread must not, or playback stalls). It must never draw anywhere
// but its own framebuffer, nor bind any other for the UI.
#include "video.hpp"

#include <SDL.h>
// Types and constants only: GL functions are fetched from SDL at run time,
// so this works with the context the kiosk made, GLES or desktop GL.
#include <GLES3/gl3.h>
#include <mpv/client.h>
#include <mpv/render_gl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <clocale>
#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace vitrine {
namespace {

// Ids of the observed properties, returned in each property-change event.
enum Observed : std::uint64_t {
    kTimePos = 1,
    kDuration,
    kPause,
    kMute,
    kEofReached,
    kIdleActive,
    kWidth,
    kHeight,
    kSubLang,
    kSubText,
    kDropped,
};

// reply_userdata of asynchronous requests: a loadfile's reply carries the
// index of its item (kLoadBase + index); a sub-add's, the load it belongs to
// (kSubtitleBase + load number), so that stop() or the next play_*() can
// drop it, and its failure then says nothing; others only need their
// failures logged.
constexpr std::uint64_t kRequest = 100;
constexpr std::uint64_t kLoadBase = 1000;
constexpr std::uint64_t kSubtitleBase = std::uint64_t(1) << 32;

// Why these options (set before mpv_initialize, for the life of the player):
//   vo=libmpv            frames go to our render context, never a window
//   idle=yes             the player outlives its files (one for the app)
//   keep-open=yes        a showcase video stays on its last frame; in the
//   keep-open-pause=no   attract loop there is always a next file. pause
//                        then only ever means what set_paused said
//   prefetch-playlist=no  a turn opens the next film then: the video
//                        suite sees no gap, and there is one thread fewer
//                        at work while the loop plays
//   video-timing-offset=0  render() never sleeps until a frame's display
//                        time: it runs on the UI thread (mpv render.h)
//   sub-auto=no ...      subtitles, audio and cover art come from the pack's
//                        manifest, never from files that happen to sit
//                        beside the video
//   sid=no               no subtitle unless set_language() picks one
//   audio-fallback-to-null  a kiosk with no sound card still plays video
//   osd-level=0 ...      nothing of mpv's own on screen, no terminal
//                        output, no key bindings, no scripts (the built-in
//                        Lua ones included), no network
//   scale=bilinear ...   the cheap render path: films are shown at about
//                        their own size, and a Pi's GPU (or llvmpipe) has no
//                        time for high-quality scalers, dithering or debanding
struct OptionSetting {
    const char* name;
    const char* value;
};
constexpr OptionSetting kFixedOptions[] = {
    {"vo", "libmpv"},
    {"idle", "yes"},
    {"keep-open", "yes"},
    {"keep-open-pause", "no"},
    {"prefetch-playlist", "no"},
    {"video-timing-offset", "0"},
    {"mute", "yes"},
    {"sub-auto", "no"},
    {"audio-file-auto", "no"},
    {"cover-art-auto", "no"},
    {"sid", "no"},
    {"audio-fallback-to-null", "yes"},
    {"osd-level", "0"},
    {"osd-bar", "no"},
    {"terminal", "no"},
    {"config", "no"},
    {"input-default-bindings", "no"},
    {"input-vo-keyboard", "no"},
    {"load-scripts", "no"},
    {"osc", "no"},
    {"ytdl", "no"},
    {"load-stats-overlay", "no"},
    {"load-osd-console", "no"},
    {"load-auto-profiles", "no"},
    {"scale", "bilinear"},
    {"dscale", "bilinear"},
    {"cscale", "bilinear"},
    {"dither-depth", "no"},
    {"correct-downscaling", "no"},
    {"linear-downscaling", "no"},
    {"sigmoid-upscaling", "no"},
    {"deband", "no"},
    {"hdr-compute-peak", "no"},
};

// GL entry points, from SDL_GL_GetProcAddress: no link to a GL library.
struct Gl {
    decltype(&glGenTextures) GenTextures;
    decltype(&glDeleteTextures) DeleteTextures;
    decltype(&glBindTexture) BindTexture;
    decltype(&glTexImage2D) TexImage2D;
    decltype(&glTexParameteri) TexParameteri;
    decltype(&glGenFramebuffers) GenFramebuffers;
    decltype(&glDeleteFramebuffers) DeleteFramebuffers;
    decltype(&glBindFramebuffer) BindFramebuffer;
    decltype(&glFramebufferTexture2D) FramebufferTexture2D;
    decltype(&glCheckFramebufferStatus) CheckFramebufferStatus;
    decltype(&glGetIntegerv) GetIntegerv;

    void load() {
        fetch(GenTextures, "glGenTextures");
        fetch(DeleteTextures, "glDeleteTextures");
        fetch(BindTexture, "glBindTexture");
        fetch(TexImage2D, "glTexImage2D");
        fetch(TexParameteri, "glTexParameteri");
        fetch(GenFramebuffers, "glGenFramebuffers");
        fetch(DeleteFramebuffers, "glDeleteFramebuffers");
        fetch(BindFramebuffer, "glBindFramebuffer");
        fetch(FramebufferTexture2D, "glFramebufferTexture2D");
        fetch(CheckFramebufferStatus, "glCheckFramebufferStatus");
        fetch(GetIntegerv, "glGetIntegerv");
    }
    template <typename F>
    static void fetch(F& f, const char* name) {
        f = reinterpret_cast<F>(SDL_GL_GetProcAddress(name));
        if (!f) throw std::runtime_error(std::string("video: the GL context has no ") + name);
    }
};

std::string describe(int mpv_error) { return mpv_error_string(mpv_error); }

void* get_proc_address(void*, const char* name) { return SDL_GL_GetProcAddress(name); }

}  // namespace

struct VideoPlayer::Impl {
    Options options;
    mpv_handle* mpv = nullptr;
    mpv_render_context* render = nullptr;
    Gl gl{};

    // Set by libmpv's threads; the UI thread clears them.
    std::atomic<bool> notified{false};  // an SDL event is on its way
    std::atomic<bool> frame_pending{false};

    // What mpv last published (property observation).
    double time_pos = 0, duration = 0;
    bool pause = false, mute = true, eof_reached = false, idle = true;
    std::int64_t video_width = 0, video_height = 0;
    std::string sub_lang, sub_text;

    // What we asked for.
    bool looping = false;
    std::vector<Item> items;
    std::map<std::int64_t, std::size_t> item_of_entry;  // mpv playlist entry id -> index in items
    std::size_t current = SIZE_MAX;                      // index in items of the file mpv plays
    std::uint64_t loads = 0;                             // play_*() and stop() so far
    std::string language, fallback;
    std::int64_t subtitle_position = 100;
    std::int64_t dropped = 0, dropped_in_file = 0;
    int requested_width = 0, requested_height = 0;

    // The render target.
    GLuint texture = 0, fbo = 0;
    int texture_width = 0, texture_height = 0;
    bool has_frame = false;
    bool on_screen = false;
    bool fresh = false;  // on screen: a new picture waits for render_on_screen()

    std::string error;
    int error_count = 0;

    void log(LogLevel level, const std::string& prefix, const std::string& text) {
        if (level == LogLevel::Error) ++error_count;
        if (options.log) options.log(level, prefix, text);
    }

    // Wakes the UI thread with one SDL event, however many callbacks come
    // before it gets to handle_events(). Runs on libmpv's threads: it must
    // not call libmpv (client.h, mpv_set_wakeup_callback).
    void notify() {
        if (notified.exchange(true)) return;
        SDL_Event e{};
        e.type = event_type();
        if (SDL_PushEvent(&e) != 1) {
            notified = false;  // queue full: the next callback tries again
            return;
        }
        if (options.wake) options.wake();
    }
    static void on_wakeup(void* self) { static_cast<Impl*>(self)->notify(); }
    static void on_render_update(void* self) {
        auto* impl = static_cast<Impl*>(self);
        impl->frame_pending = true;
        impl->notify();
    }

    // Every mpv request from the UI thread is asynchronous: a synchronous
    // one could wait on mpv's core while the core waits for this thread to
    // render (the deadlock that render.h's Threading section warns about).
    void command(std::vector<std::string> args, std::uint64_t reply = kRequest) {
        std::vector<const char*> argv;
        for (const auto& a : args) argv.push_back(a.c_str());
        argv.push_back(nullptr);
        refused(mpv_command_async(mpv, reply, argv.data()), args[0]);
    }
    void set(const char* name, mpv_format format, void* value) {
        refused(mpv_set_property_async(mpv, kRequest, name, format, value), name);
    }
    void set_flag(const char* name, bool value) {
        int v = value ? 1 : 0;
        set(name, MPV_FORMAT_FLAG, &v);
    }
    void set_string(const char* name, const std::string& value) {
        const char* v = value.c_str();
        set(name, MPV_FORMAT_STRING, &v);
    }
    // A request mpv would not even queue (a programmer's error, or mpv
    // shutting down): said in the log, not thrown into the UI.
    void refused(int r, const std::string& what) {
        if (r < 0) log(LogLevel::Error, "video", what + " was refused: " + describe(r));
    }

    void load(std::vector<Item> list, bool loop) {
        // A sub-add still on its way belongs to what played before: its
        // reply is ignored (handle_events). Not aborted: mpv 0.35 could
        // leave the aborted command's thread spinning and its core waiting
        // on it for ever (the five-day soak test).
        ++loads;
        looping = loop;
        items = std::move(list);
        item_of_entry.clear();
        current = SIZE_MAX;
        error.clear();
        eof_reached = false;
        has_frame = false;
        if (items.empty()) {
            command({"stop"});
            return;
        }
        set_string("loop-playlist", loop ? "inf" : "no");
        for (std::size_t i = 0; i < items.size(); ++i)
            command({"loadfile", items[i].path.string(), i == 0 ? "replace" : "append"}, kLoadBase + i);
    }

    // Shows the subtitles the visitor's language asks for in the file that
    // plays. "cached" makes mpv reuse the track if this file was added
    // before, so switching languages back and forth adds nothing.
    void apply_subtitles() {
        if (current >= items.size()) return;
        const auto& subs = items[current].subtitles;
        std::string lang;
        if (subs.count(language)) lang = language;
        else if (!fallback.empty() && subs.count(fallback)) lang = fallback;
        if (lang.empty()) {
            set_string("sid", "no");
            return;
        }
        command({"sub-add", subs.at(lang).string(), "cached", lang, lang}, kSubtitleBase + loads);
    }

    void on_property(std::uint64_t id, const mpv_event_property& p) {
        // A property with no value (no file, no subtitle) arrives as
        // MPV_FORMAT_NONE: back to the "nothing" value.
        const bool none = p.format == MPV_FORMAT_NONE || !p.data;
        auto as_double = [&] { return none ? 0.0 : *static_cast<double*>(p.data); };
        auto as_int = [&](std::int64_t nothing) { return none ? nothing : *static_cast<std::int64_t*>(p.data); };
        auto as_flag = [&] { return !none && *static_cast<int*>(p.data) != 0; };
        auto as_string = [&] { return none ? std::string() : std::string(*static_cast<char**>(p.data)); };
        switch (id) {
        case kTimePos: time_pos = as_double(); break;
        case kDuration: duration = as_double(); break;
        case kPause: pause = as_flag(); break;
        case kMute: mute = as_flag(); break;
        case kEofReached: eof_reached = as_flag(); break;
        case kIdleActive: idle = as_flag(); break;
        // Between two files the size is briefly unknown: keep the last one,
        // so that the next file's first frame is drawn, not skipped.
        case kWidth: if (!none) video_width = as_int(0); break;
        case kHeight: if (!none) video_height = as_int(0); break;
        case kSubLang: sub_lang = as_string(); break;
        case kSubText: sub_text = as_string(); break;
        // Per file in mpv: added up here for the life of the player.
        case kDropped: {
            std::int64_t n = as_int(0);
            if (n > dropped_in_file) dropped += n - dropped_in_file;
            dropped_in_file = n;
            break;
        }
        default: break;
        }
    }

    // One picture into framebuffer `fbo`, never waiting for its display
    // time on the UI thread; the framebuffer binding is restored.
    bool render_into(GLuint target_fbo, int w, int h, int format, bool flip_y) {
        GLint previous_fbo = 0;
        gl.GetIntegerv(GL_FRAMEBUFFER_BINDING, &previous_fbo);
        mpv_opengl_fbo target{static_cast<int>(target_fbo), w, h, format};
        int flip = flip_y ? 1 : 0;
        int block = 0;
        mpv_render_param params[] = {
            {MPV_RENDER_PARAM_OPENGL_FBO, &target},
            {MPV_RENDER_PARAM_FLIP_Y, &flip},
            {MPV_RENDER_PARAM_BLOCK_FOR_TARGET_TIME, &block},
            {MPV_RENDER_PARAM_INVALID, nullptr},
        };
        int r = mpv_render_context_render(render, params);
        gl.BindFramebuffer(GL_FRAMEBUFFER, static_cast<GLuint>(previous_fbo));
        if (r < 0) log(LogLevel::Error, "video", "rendering failed: " + describe(r));
        return r >= 0;
    }

    void release_target() {
        if (fbo) gl.DeleteFramebuffers(1, &fbo);
        if (texture) gl.DeleteTextures(1, &texture);
        fbo = texture = 0;
        texture_width = texture_height = 0;
    }

    void ensure_target(int w, int h) {
        if (w == texture_width && h == texture_height && texture) return;
        GLint previous_texture = 0;
        gl.GetIntegerv(GL_TEXTURE_BINDING_2D, &previous_texture);
        if (!texture) gl.GenTextures(1, &texture);
        gl.BindTexture(GL_TEXTURE_2D, texture);
        gl.TexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
        gl.TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        gl.TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
        gl.TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        gl.TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        gl.BindTexture(GL_TEXTURE_2D, static_cast<GLuint>(previous_texture));
        if (!fbo) {
            GLint previous_fbo = 0;
            gl.GetIntegerv(GL_FRAMEBUFFER_BINDING, &previous_fbo);
            gl.GenFramebuffers(1, &fbo);
            gl.BindFramebuffer(GL_FRAMEBUFFER, fbo);
            gl.FramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture, 0);
            GLenum status = gl.CheckFramebufferStatus(GL_FRAMEBUFFER);
            gl.BindFramebuffer(GL_FRAMEBUFFER, static_cast<GLuint>(previous_fbo));
            if (status != GL_FRAMEBUFFER_COMPLETE)
                log(LogLevel::Error, "video", "the video framebuffer is incomplete (" + std::to_string(status) + ")");
        }
        texture_width = w;
        texture_height = h;
    }
};

VideoPlayer::VideoPlayer(Options options) : impl_(std::make_unique<Impl>()) {
    auto& m = *impl_;
    m.options = std::move(options);
    if (event_type() == static_cast<std::uint32_t>(-1)) throw std::runtime_error("video: no SDL event type left");
    m.gl.load();

    // mpv parses and prints numbers with the C library, so mpv_create()
    // fails under a locale whose decimal separator is not '.' (client.h,
    // "Embedding"). Only LC_NUMERIC: the kiosk's texts keep their locale.
    std::setlocale(LC_NUMERIC, "C");
    m.mpv = mpv_create();
    if (!m.mpv) throw std::runtime_error("video: libmpv could not be created");
    // From here the destructor of a half-built player will not run: clean up
    // by hand on failure.
    try {
        auto option = [&](const char* name, const std::string& value) {
            int r = mpv_set_option_string(m.mpv, name, value.c_str());
            if (r < 0) throw std::runtime_error("video: mpv option " + std::string(name) + "=" + value + ": " + describe(r));
        };
        for (const auto& o : kFixedOptions) option(o.name, o.value);
        option("ao", m.options.audio_output);
        option("hwdec", m.options.hwdec);
        // With no hardware decoding there is nothing to hand frames over
        // to GL: do not probe for interops (CUDA's probe writes to stderr).
        if (m.options.hwdec == "no") option("gpu-hwdec-interop", "no");
        // Log messages come as events, on the UI thread, to the sink; "warn"
        // keeps mpv's chatter out and every problem in.
        mpv_request_log_messages(m.mpv, "warn");
        int r = mpv_initialize(m.mpv);
        if (r < 0) throw std::runtime_error("video: libmpv could not start: " + describe(r));

        mpv_opengl_init_params gl_init{get_proc_address, nullptr};
        mpv_render_param params[] = {
            {MPV_RENDER_PARAM_API_TYPE, const_cast<char*>(MPV_RENDER_API_TYPE_OPENGL)},
            {MPV_RENDER_PARAM_OPENGL_INIT_PARAMS, &gl_init},
            {MPV_RENDER_PARAM_INVALID, nullptr},
        };
        r = mpv_render_context_create(&m.render, m.mpv, params);
        if (r < 0) throw std::runtime_error("video: cannot render video with this GL context: " + describe(r));
    } catch (...) {
        mpv_terminate_destroy(m.mpv);
        throw;
    }

    mpv_observe_property(m.mpv, kTimePos, "time-pos", MPV_FORMAT_DOUBLE);
    mpv_observe_property(m.mpv, kDuration, "duration", MPV_FORMAT_DOUBLE);
    mpv_observe_property(m.mpv, kPause, "pause", MPV_FORMAT_FLAG);
    mpv_observe_property(m.mpv, kMute, "mute", MPV_FORMAT_FLAG);
    mpv_observe_property(m.mpv, kEofReached, "eof-reached", MPV_FORMAT_FLAG);
    mpv_observe_property(m.mpv, kIdleActive, "idle-active", MPV_FORMAT_FLAG);
    mpv_observe_property(m.mpv, kWidth, "dwidth", MPV_FORMAT_INT64);
    mpv_observe_property(m.mpv, kHeight, "dheight", MPV_FORMAT_INT64);
    mpv_observe_property(m.mpv, kSubLang, "current-tracks/sub/lang", MPV_FORMAT_STRING);
    mpv_observe_property(m.mpv, kSubText, "sub-text", MPV_FORMAT_STRING);
    mpv_observe_property(m.mpv, kDropped, "frame-drop-count", MPV_FORMAT_INT64);

    mpv_set_wakeup_callback(m.mpv, &Impl::on_wakeup, &m);
    mpv_render_context_set_update_callback(m.render, &Impl::on_render_update, &m);
}

// The render context goes first, while mpv still runs (render.h: freeing
// it after the core is undefined behaviour); both need the GL context.
// Playback is stopped first, and mpv given up to 2 s to be idle: idle, mpv
// has closed its video output and the free waits on nothing. (A core stuck
// for ever, as an aborted sub-add once left it, blocked the free, and the
// UI thread with it.)
VideoPlayer::~VideoPlayer() {
    auto& m = *impl_;
    const char* stop[] = {"stop", nullptr};
    constexpr std::uint64_t kStop = kRequest + 1;
    bool stopped = mpv_command_async(m.mpv, kStop, stop) < 0, idle = m.idle;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!(stopped && idle)) {
        const double left = std::chrono::duration<double>(until - std::chrono::steady_clock::now()).count();
        if (left <= 0) {
            m.log(LogLevel::Warning, "video", "the player is not idle 2 s after stop; closing it anyway");
            break;
        }
        const mpv_event* e = mpv_wait_event(m.mpv, left);
        if (e->event_id == MPV_EVENT_COMMAND_REPLY && e->reply_userdata == kStop) stopped = true;
        if (e->event_id == MPV_EVENT_PROPERTY_CHANGE && e->reply_userdata == kIdleActive) {
            const auto* p = static_cast<const mpv_event_property*>(e->data);
            idle = p->format == MPV_FORMAT_FLAG && p->data && *static_cast<const int*>(p->data) != 0;
        }
    }
    mpv_render_context_free(m.render);
    mpv_terminate_destroy(m.mpv);
    m.release_target();
}

std::uint32_t VideoPlayer::event_type() {
    static const std::uint32_t type = SDL_RegisterEvents(1);
    return type;
}

void VideoPlayer::play_loop(std::vector<Item> items) { impl_->load(std::move(items), true); }

void VideoPlayer::play_once(Item item) {
    std::vector<Item> one;
    one.push_back(std::move(item));
    impl_->load(std::move(one), false);
}

void VideoPlayer::stop() { impl_->load({}, false); }

// paused() and muted() change when mpv says so, a frame later: the UI shows
// what the player does, not what was asked.
void VideoPlayer::set_paused(bool paused) { impl_->set_flag("pause", paused); }

bool VideoPlayer::paused() const { return impl_->pause; }

void VideoPlayer::set_muted(bool muted) { impl_->set_flag("mute", muted); }

bool VideoPlayer::muted() const { return impl_->mute; }

void VideoPlayer::set_volume(int percent) {
    double v = std::clamp(percent, 0, 100);
    impl_->set("volume", MPV_FORMAT_DOUBLE, &v);
}

std::int64_t VideoPlayer::dropped_frames() const { return impl_->dropped; }

void VideoPlayer::set_subtitle_position(int percent) {
    std::int64_t v = std::clamp(percent, 0, 150);
    if (v == impl_->subtitle_position) return;  // called every frame
    impl_->subtitle_position = v;
    impl_->set("sub-pos", MPV_FORMAT_INT64, &v);
}

// The UI may call this every frame: only a change reaches mpv.
void VideoPlayer::set_language(std::string language, std::string fallback) {
    if (language == impl_->language && fallback == impl_->fallback) return;
    impl_->language = std::move(language);
    impl_->fallback = std::move(fallback);
    impl_->apply_subtitles();
}

std::string VideoPlayer::subtitle_language() const { return impl_->sub_lang; }
std::string VideoPlayer::subtitle_text() const { return impl_->sub_text; }

void VideoPlayer::handle_events() {
    auto& m = *impl_;
    m.notified = false;  // before draining: a wakeup from now on sends a new event
    for (;;) {
        mpv_event* e = mpv_wait_event(m.mpv, 0);
        if (e->event_id == MPV_EVENT_NONE) break;
        switch (e->event_id) {
        case MPV_EVENT_LOG_MESSAGE: {
            auto* msg = static_cast<mpv_event_log_message*>(e->data);
            std::string text = msg->text;
            while (!text.empty() && text.back() == '\n') text.pop_back();
            // A sub-add fails this way when its playback has gone meanwhile
            // (it is not aborted: see load()); its reply, below, says so for
            // the playback that is current, and only then.
            if (std::string_view(msg->prefix) == "cplayer" && text.starts_with("Can not open external file")) break;
            LogLevel level = msg->log_level <= MPV_LOG_LEVEL_ERROR ? LogLevel::Error : LogLevel::Warning;
            m.log(level, msg->prefix, text);
            break;
        }
        case MPV_EVENT_PROPERTY_CHANGE:
            m.on_property(e->reply_userdata, *static_cast<mpv_event_property*>(e->data));
            break;
        case MPV_EVENT_COMMAND_REPLY: {
            // A subtitle asked for a file that stop() or a new play_*() has
            // replaced since fails with it (mpv drops the file's tracks):
            // nothing went wrong, nothing to say.
            if (e->reply_userdata >= kSubtitleBase) {
                if (e->error < 0 && e->reply_userdata - kSubtitleBase == m.loads)
                    m.log(LogLevel::Warning, "video", std::string("subtitles failed: ") + describe(e->error));
                break;
            }
            if (e->error < 0) m.log(LogLevel::Warning, "video", std::string("request failed: ") + describe(e->error));
            // loadfile answers with the playlist entry id of its item, which
            // START_FILE and END_FILE name later.
            if (e->reply_userdata < kLoadBase) break;
            auto* result = &static_cast<mpv_event_command*>(e->data)->result;
            if (e->error >= 0 && result->format == MPV_FORMAT_NODE_MAP) {
                for (int i = 0; i < result->u.list->num; ++i)
                    if (std::string(result->u.list->keys[i]) == "playlist_entry_id" &&
                        result->u.list->values[i].format == MPV_FORMAT_INT64)
                        m.item_of_entry[result->u.list->values[i].u.int64] = e->reply_userdata - kLoadBase;
            }
            break;
        }
        case MPV_EVENT_SET_PROPERTY_REPLY:
            if (e->error < 0) m.log(LogLevel::Warning, "video", std::string("setting failed: ") + describe(e->error));
            break;
        case MPV_EVENT_START_FILE: {
            auto* start = static_cast<mpv_event_start_file*>(e->data);
            auto it = m.item_of_entry.find(start->playlist_entry_id);
            m.current = it == m.item_of_entry.end() ? SIZE_MAX : it->second;
            m.eof_reached = false;  // whatever the previous file said
            break;
        }
        case MPV_EVENT_FILE_LOADED:
            m.apply_subtitles();
            break;
        case MPV_EVENT_END_FILE: {
            auto* end = static_cast<mpv_event_end_file*>(e->data);
            if (end->reason != MPV_END_FILE_REASON_ERROR) break;
            auto it = m.item_of_entry.find(end->playlist_entry_id);
            std::string what = it != m.item_of_entry.end() && it->second < m.items.size()
                                   ? m.items[it->second].path.string()
                                   : std::string("the video");
            m.error = "cannot play " + what + ": " + describe(end->error);
            m.log(LogLevel::Warning, "video", m.error);
            break;
        }
        default: break;
        }
    }
}

// Draws into the texture only pictures of the video: asked to redraw with no
// frame queued (render.h, MPV_RENDER_FRAME_INFO_PRESENT unset), mpv would
// clear the texture to black. Skipped, the last picture stays on screen
// until the next one is ready.
bool VideoPlayer::render_if_needed() {
    auto& m = *impl_;
    const bool update =
        m.frame_pending.exchange(false) && (mpv_render_context_update(m.render) & MPV_RENDER_UPDATE_FRAME);
    if (m.on_screen) {
        mpv_render_frame_info info{};
        m.fresh = m.fresh || (update && mpv_render_context_get_info(m.render, {MPV_RENDER_PARAM_NEXT_FRAME_INFO, &info}) >= 0 &&
                              (info.flags & MPV_RENDER_FRAME_INFO_PRESENT));
        return m.fresh;
    }
    const int w = m.requested_width > 0 ? m.requested_width : static_cast<int>(m.video_width);
    const int h = m.requested_height > 0 ? m.requested_height : static_cast<int>(m.video_height);
    // A new size while paused: mpv redraws its current picture at that size.
    const bool resized = m.has_frame && w > 0 && h > 0 && (w != m.texture_width || h != m.texture_height);
    if (!update && !resized) return false;
    mpv_render_frame_info info{};
    const bool present =
        mpv_render_context_get_info(m.render, {MPV_RENDER_PARAM_NEXT_FRAME_INFO, &info}) >= 0 &&
        (info.flags & MPV_RENDER_FRAME_INFO_PRESENT);
    if (!present && !resized) return false;
    if (w <= 0 || h <= 0) {
        // The very first frame, before its size arrived: let mpv count it as
        // shown rather than draw it at a guessed size, and as presented too,
        // or mpv would wait up to 200 ms for a swap that never comes
        // (vo_libmpv's flip_page) and the video would stutter.
        int skip = 1;
        mpv_render_param params[] = {{MPV_RENDER_PARAM_SKIP_RENDERING, &skip}, {MPV_RENDER_PARAM_INVALID, nullptr}};
        mpv_render_context_render(m.render, params);
        mpv_render_context_report_swap(m.render);
        return false;
    }
    m.ensure_target(w, h);
    // Into a texture, row 0 is the top of the picture.
    if (!m.render_into(m.fbo, w, h, GL_RGBA8, false)) return false;
    // Frames that were on their way before play_*() or stop() belong to
    // what played before: they do not count as this item's picture.
    if (m.current < m.items.size()) m.has_frame = true;
    return true;
}

void VideoPlayer::set_on_screen(bool on_screen) {
    auto& m = *impl_;
    if (on_screen == m.on_screen) return;
    m.on_screen = on_screen;
    m.fresh = false;
    m.has_frame = false;  // the texture and the screen do not hold the same picture
    // On screen the picture covers the window, cropped if the shapes differ.
    m.set_string("panscan", on_screen ? "1.0" : "0.0");
    if (on_screen) m.release_target();
}

bool VideoPlayer::on_screen() const { return impl_->on_screen; }

void VideoPlayer::render_on_screen(int width, int height) {
    auto& m = *impl_;
    if (!m.on_screen || width <= 0 || height <= 0) return;
    // The default framebuffer's row 0 is the bottom.
    if (!m.render_into(0, width, height, 0, true)) return;
    if (m.fresh && m.current < m.items.size()) m.has_frame = true;
    m.fresh = false;
}

void VideoPlayer::report_swap() { mpv_render_context_report_swap(impl_->render); }

bool VideoPlayer::wants_redraw() const {
    const auto& m = *impl_;
    return m.frame_pending || (!m.idle && !m.pause && !(m.eof_reached && !m.looping));
}

unsigned VideoPlayer::texture() const { return impl_->texture; }
int VideoPlayer::width() const { return impl_->texture_width; }
int VideoPlayer::height() const { return impl_->texture_height; }

void VideoPlayer::set_render_size(int width, int height) {
    impl_->requested_width = std::max(width, 0);
    impl_->requested_height = std::max(height, 0);
}

double VideoPlayer::position() const { return impl_->time_pos; }
double VideoPlayer::duration() const { return impl_->duration; }

int VideoPlayer::playlist_index() const {
    const auto& m = *impl_;
    return m.current < m.items.size() && !m.idle ? static_cast<int>(m.current) : -1;
}

bool VideoPlayer::has_frame() const { return impl_->has_frame; }
// Only once this item has started: before, eof-reached may still be the
// previous item's.
bool VideoPlayer::ended() const {
    const auto& m = *impl_;
    return !m.looping && m.eof_reached && m.current < m.items.size();
}
const std::string& VideoPlayer::error() const { return impl_->error; }
int VideoPlayer::error_count() const { return impl_->error_count; }

}  // namespace vitrine
