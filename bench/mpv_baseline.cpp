// bench_mpv_baseline: the least a program can do to show the campaign loop
// with libmpv's render API, as bench/ui.sh's baseline for the kiosk's attract
// screen. It plays the given files as a looping playlist, muted, with no
// hardware decoding, draws each new frame straight into the window's default
// framebuffer and swaps; nothing else is drawn. It prints, on stderr,
//   bench_mpv_baseline: first frame drawn          (when it is swapped)
//   bench_mpv_baseline: frames drawn: N            (at exit; see --hold)
//   bench_mpv_baseline: video frames dropped: N   (mpv's frame-drop-count)
// It must stay minimal: any UI work added here hides the kiosk's own cost.
// mpv's defaults still load the subtitle files beside each film (sub-auto)
// and show one of them, as the kiosk shows the pack's: that work, libass and
// mpv's subtitle pass, is in both. It counts dropped frames as the kiosk
// does (frame-drop-count, observed, added up over the files), so that the
// two counts are the same figure.
//
//   bench_mpv_baseline [--seconds S [--hold]] [--size WxH] FILE...
// --seconds counts from the first frame drawn; without it the program runs
// until SIGINT or SIGTERM (SDL turns both into SDL_QUIT). With --hold it
// prints its two counts when the S seconds are over and plays on until
// SIGINT or SIGTERM, then prints them again: bench/ui.sh stops it once it
// has measured, however late a busy machine lets it read its figures.
// SDL_VIDEODRIVER=offscreen runs it with no display.
#include <SDL.h>
#include <mpv/client.h>
#include <mpv/render_gl.h>

#include <algorithm>
#include <atomic>
#include <clocale>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

const char* const kName = "bench_mpv_baseline";

// SDL event types pushed by libmpv's callbacks, registered in main().
Uint32 g_wakeup_event = 0;  // mpv has events to drain
Uint32 g_update_event = 0;  // the render context may have a new frame
// One event on its way is enough, however many callbacks come before the
// main thread handles it.
std::atomic<bool> g_wakeup_sent{false}, g_update_sent{false};

// Runs on libmpv's threads: only pushes an SDL event, never calls libmpv
// (client.h, mpv_set_wakeup_callback; render.h, Threading).
void push_once(std::atomic<bool>& sent, Uint32 type) {
    if (sent.exchange(true)) return;
    SDL_Event e{};
    e.type = type;
    if (SDL_PushEvent(&e) != 1) sent = false;
}
void on_wakeup(void*) { push_once(g_wakeup_sent, g_wakeup_event); }
void on_update(void*) { push_once(g_update_sent, g_update_event); }

void* get_proc_address(void*, const char* name) { return SDL_GL_GetProcAddress(name); }

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "%s: %s\n", kName, what.c_str());
    std::exit(1);
}

void check(int mpv_result, const char* what) {
    if (mpv_result < 0) die(std::string(what) + ": " + mpv_error_string(mpv_result));
}

}  // namespace

int main(int argc, char** argv) {
    // Command line.
    const char* const usage = "usage: bench_mpv_baseline [--seconds S [--hold]] [--size WxH] FILE...";
    double seconds = 0;
    bool hold = false;
    int width = 1920, height = 1080;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
        else if (a == "--hold") hold = true;
        else if (a == "--size" && i + 1 < argc && std::sscanf(argv[++i], "%dx%d", &width, &height) == 2) {}
        else if (a.rfind("--", 0) == 0) die(usage);
        else files.push_back(a);
    }
    if (files.empty() || width <= 0 || height <= 0 || (hold && seconds <= 0)) die(usage);

    // A window with a GL ES 3.0 context, as the kiosk makes.
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) die(std::string("SDL_Init: ") + SDL_GetError());
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_ES);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
    SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
    SDL_Window* window = SDL_CreateWindow(kName, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, width, height,
                                          SDL_WINDOW_OPENGL | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!window) die(std::string("SDL_CreateWindow: ") + SDL_GetError());
    SDL_GLContext gl = SDL_GL_CreateContext(window);
    if (!gl) die(std::string("cannot create a GL ES 3 context: ") + SDL_GetError());
    SDL_GL_MakeCurrent(window, gl);
    SDL_GL_SetSwapInterval(1);
    g_wakeup_event = SDL_RegisterEvents(2);
    if (g_wakeup_event == static_cast<Uint32>(-1)) die("no SDL event type left");
    g_update_event = g_wakeup_event + 1;

    // libmpv. It parses numbers with the C library: LC_NUMERIC must be "C"
    // (client.h, "Embedding"). The timing and rendering options are the
    // kiosk's (kiosk/video.cpp), so that the two differ only by what the
    // kiosk draws: no wait for a frame's display time, and mpv's cheap
    // render path. Keep them in step with the kiosk's.
    std::setlocale(LC_NUMERIC, "C");
    mpv_handle* mpv = mpv_create();
    if (!mpv) die("mpv_create failed");
    const char* const options[][2] = {
        {"vo", "libmpv"}, {"hwdec", "no"}, {"gpu-hwdec-interop", "no"}, {"ao", "null"}, {"mute", "yes"},
        {"audio-fallback-to-null", "yes"}, {"loop-playlist", "inf"}, {"prefetch-playlist", "yes"},
        {"video-timing-offset", "0"}, {"scale", "bilinear"}, {"dscale", "bilinear"}, {"cscale", "bilinear"},
        {"dither-depth", "no"}, {"correct-downscaling", "no"}, {"linear-downscaling", "no"},
        {"sigmoid-upscaling", "no"}, {"deband", "no"}, {"hdr-compute-peak", "no"}, {"osd-level", "0"},
        {"terminal", "no"}, {"config", "no"}, {"load-scripts", "no"}, {"osc", "no"}, {"ytdl", "no"},
        {"input-default-bindings", "no"},
    };
    for (const auto& o : options) check(mpv_set_option_string(mpv, o[0], o[1]), o[0]);
    mpv_request_log_messages(mpv, "error");
    check(mpv_initialize(mpv), "mpv_initialize");

    mpv_opengl_init_params gl_init{get_proc_address, nullptr};
    mpv_render_param create_params[] = {
        {MPV_RENDER_PARAM_API_TYPE, const_cast<char*>(MPV_RENDER_API_TYPE_OPENGL)},
        {MPV_RENDER_PARAM_OPENGL_INIT_PARAMS, &gl_init},
        {MPV_RENDER_PARAM_INVALID, nullptr},
    };
    mpv_render_context* render = nullptr;
    check(mpv_render_context_create(&render, mpv, create_params), "mpv_render_context_create");
    // Observed rather than read at exit: a synchronous property read from
    // the render thread may wait on the core (render.h, Threading). mpv
    // counts per file: added up here, as the kiosk does.
    std::int64_t dropped = 0, dropped_in_file = 0;
    bool dropped_known = false;
    mpv_observe_property(mpv, 1, "frame-drop-count", MPV_FORMAT_INT64);
    mpv_set_wakeup_callback(mpv, on_wakeup, nullptr);
    mpv_render_context_set_update_callback(render, on_update, nullptr);

    for (std::size_t i = 0; i < files.size(); ++i) {
        const char* cmd[] = {"loadfile", files[i].c_str(), i == 0 ? "replace" : "append", nullptr};
        check(mpv_command_async(mpv, 0, cmd), "loadfile");
    }

    // The loop: sleep until mpv or SDL has something, drain mpv's events,
    // draw a frame when the render context has one.
    Uint64 deadline = UINT64_MAX;  // set at the first frame when --seconds is given
    const Uint64 started = SDL_GetTicks64();
    std::uint64_t frames = 0;
    auto report = [&] {
        std::fprintf(stderr, "%s: frames drawn: %llu\n", kName, static_cast<unsigned long long>(frames));
        if (dropped_known) std::fprintf(stderr, "%s: video frames dropped: %lld\n", kName, static_cast<long long>(dropped));
        else std::fprintf(stderr, "%s: video frames dropped: unknown\n", kName);
    };
    bool quit = false;
    while (!quit) {
        Uint64 now = SDL_GetTicks64();
        if (now >= deadline) {
            if (!hold) break;
            report();  // and on, until SIGINT or SIGTERM
            deadline = UINT64_MAX;
        }
        if (frames == 0 && now - started > 30000) die("no video frame in 30 s");
        SDL_Event e;
        int timeout = deadline == UINT64_MAX ? 1000 : static_cast<int>(std::min<Uint64>(deadline - now, 1000));
        bool got = SDL_WaitEventTimeout(&e, timeout);
        bool redraw = false;
        while (got) {
            if (e.type == SDL_QUIT) quit = true;
            if (e.type == g_wakeup_event) {
                g_wakeup_sent = false;  // before draining: a later wakeup sends a new event
                for (;;) {
                    mpv_event* me = mpv_wait_event(mpv, 0);
                    if (me->event_id == MPV_EVENT_NONE) break;
                    if (me->event_id == MPV_EVENT_LOG_MESSAGE) {
                        auto* msg = static_cast<mpv_event_log_message*>(me->data);
                        std::fprintf(stderr, "%s: mpv %s: %s", kName, msg->prefix, msg->text);
                    } else if (me->event_id == MPV_EVENT_PROPERTY_CHANGE) {
                        auto* p = static_cast<mpv_event_property*>(me->data);
                        if (p->format != MPV_FORMAT_INT64 || !p->data) continue;
                        std::int64_t n = *static_cast<std::int64_t*>(p->data);
                        if (n > dropped_in_file) dropped += n - dropped_in_file;
                        dropped_in_file = n;
                        dropped_known = true;
                    } else if (me->event_id == MPV_EVENT_END_FILE) {
                        auto* end = static_cast<mpv_event_end_file*>(me->data);
                        if (end->reason == MPV_END_FILE_REASON_ERROR)
                            std::fprintf(stderr, "%s: cannot play a file: %s\n", kName, mpv_error_string(end->error));
                    }
                }
            }
            if (e.type == g_update_event) {
                g_update_sent = false;
                if (mpv_render_context_update(render) & MPV_RENDER_UPDATE_FRAME) redraw = true;
            }
            got = SDL_PollEvent(&e);
        }
        if (!redraw) continue;
        int w = 0, h = 0;
        SDL_GL_GetDrawableSize(window, &w, &h);
        mpv_opengl_fbo fbo{0, w, h, 0};
        int flip = 1;   // the default framebuffer's row 0 is the bottom
        int block = 0;  // as the kiosk: never wait for the display time
        mpv_render_param params[] = {
            {MPV_RENDER_PARAM_OPENGL_FBO, &fbo},
            {MPV_RENDER_PARAM_FLIP_Y, &flip},
            {MPV_RENDER_PARAM_BLOCK_FOR_TARGET_TIME, &block},
            {MPV_RENDER_PARAM_INVALID, nullptr},
        };
        check(mpv_render_context_render(render, params), "mpv_render_context_render");
        SDL_GL_SwapWindow(window);
        mpv_render_context_report_swap(render);
        if (frames++ == 0) {
            std::fprintf(stderr, "%s: first frame drawn\n", kName);
            if (seconds > 0) deadline = SDL_GetTicks64() + static_cast<Uint64>(seconds * 1000);
        }
    }

    // The render context goes before the core (render.h), both before GL.
    mpv_render_context_free(render);
    mpv_terminate_destroy(mpv);
    SDL_GL_DeleteContext(gl);
    SDL_DestroyWindow(window);
    SDL_Quit();
    report();
    return 0;
}
