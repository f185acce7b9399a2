// VideoPlayer, headless: libmpv decoding real H.264 into the player's texture
// in an offscreen GLES 3 context, driven by the kiosk's main-loop protocol
// (wait for the player's SDL event, handle_events(), render_if_needed(),
// swap, report_swap()). No sound card (ao=null), no hardware decoding, and
// any error-level log line in a normal case fails the test.
#include "kiosk/video.hpp"
#include "gl_context.hpp"
#include "support/support.hpp"

#include <SDL.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <set>
#include <sstream>

using namespace vitrine;
using namespace vitrine::test;

namespace {

using Clock = std::chrono::steady_clock;
using Pixels = std::vector<std::uint8_t>;

// One GL context for the whole suite: SDL video is initialised once.
GlContext& gl() {
    static GlContext context;
    return context;
}

// A player as the kiosk makes it, with its log kept for failure messages.
struct Harness {
    std::vector<std::string> log;
    VideoPlayer player;
    int frames = 0;
    std::function<void()> on_frame;  // after each rendered frame

    Harness() : player(options(log)) {}

    static VideoPlayer::Options options(std::vector<std::string>& log) {
        gl();
        VideoPlayer::Options o;
        o.audio_output = "null";
        o.hwdec = "no";  // a build machine has no video hardware to probe
        o.log = [&log](VideoPlayer::LogLevel level, const std::string& prefix, const std::string& text) {
            log.push_back((level == VideoPlayer::LogLevel::Error ? "error [" : "warning [") + prefix + "] " + text);
        };
        return o;
    }

    std::string log_text() const {
        std::string s;
        for (const auto& l : log) s += l + "\n";
        return s.empty() ? "(no log)" : s;
    }

    // The kiosk's main loop, until `done` or `seconds` have passed. The player
    // is only serviced when its SDL event arrives: the callbacks must wake
    // the loop, or nothing moves.
    bool run_until(double seconds, const std::function<bool()>& done) {
        auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
        while (Clock::now() < deadline) {
            if (done()) return true;
            SDL_Event e;
            if (!SDL_WaitEventTimeout(&e, 20) || e.type != VideoPlayer::event_type()) continue;
            player.handle_events();
            if (player.render_if_needed()) {
                if (player.on_screen()) player.render_on_screen(gl().width(), gl().height());
                ++frames;
                if (on_frame) on_frame();
                gl().swap();
                player.report_swap();
            }
        }
        return done();
    }
    void run_for(double seconds) { run_until(seconds, [] { return false; }); }

    Pixels pixels() const { return gl().read_texture(player.texture(), player.width(), player.height()); }
};

std::size_t distinct_colours(const Pixels& p) {
    std::set<std::uint32_t> colours;
    for (std::size_t i = 0; i + 3 < p.size(); i += 4)
        colours.insert(std::uint32_t(p[i]) << 16 | std::uint32_t(p[i + 1]) << 8 | p[i + 2]);
    return colours.size();
}

bool all_dark(const Pixels& p) {
    for (std::size_t i = 0; i + 3 < p.size(); i += 4)
        if (p[i] > 24 || p[i + 1] > 24 || p[i + 2] > 24) return false;
    return true;
}

// The average RGB of one row of an RGBA picture `width` pixels wide.
std::array<int, 3> row_colour(const Pixels& p, int width, int row) {
    std::array<long, 3> sum{};
    for (int x = 0; x < width; ++x)
        for (int c = 0; c < 3; ++c) sum[c] += p[(std::size_t(row) * width + x) * 4 + c];
    return {int(sum[0] / width), int(sum[1] / width), int(sum[2] / width)};
}

std::string vtt(const std::string& start, const std::string& end, const std::string& text) {
    return "WEBVTT\n\n" + start + " --> " + end + "\n" + text + "\n";
}

void ffmpeg(const std::string& lavfi, const fs::path& out) {
    auto r = run({"ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", lavfi, "-c:v", "libx264",
                  "-preset", "ultrafast", "-pix_fmt", "yuv420p", out.string()});
    if (r.exit_code != 0) throw std::runtime_error("ffmpeg failed for " + out.string() + ": " + r.err);
}

// Media made once for the suite.
struct Media {
    TempDir dir;
    VideoPlayer::Item one, two;  // 1 s, 320x240, English subtitles "one" / "two"
    VideoPlayer::Item split;     // 1 s, top half red, bottom half blue
    VideoPlayer::Item film;      // the demo pack's film (or one like it), French and English subtitles

    Media() {
        ffmpeg("testsrc2=d=1:s=320x240:r=30", dir / "one.mp4");
        ffmpeg("testsrc2=d=1:s=320x240:r=30,hflip", dir / "two.mp4");
        write_file(dir / "one.en.vtt", vtt("00:00.000", "00:01.000", "one"));
        write_file(dir / "two.en.vtt", vtt("00:00.000", "00:01.000", "two"));
        one = {dir / "one.mp4", {{"en", dir / "one.en.vtt"}}};
        two = {dir / "two.mp4", {{"en", dir / "two.en.vtt"}}};

        ffmpeg("color=c=red:s=320x240:d=1:r=30,drawbox=x=0:y=120:w=320:h=120:color=blue:t=fill",
               dir / "split.mp4");
        split = {dir / "split.mp4", {}};

#ifdef VITRINE_DEMO_DIR
        fs::path demo = fs::path(VITRINE_DEMO_DIR) / "pack/media/green-aircraft";
        if (fs::exists(demo / "film.mp4")) {
            film = {demo / "film.mp4", {{"fr", demo / "film.fr.vtt"}, {"en", demo / "film.en.vtt"}}};
            return;
        }
#endif
        ffmpeg("testsrc2=d=6:s=1280x720:r=30", dir / "film.mp4");
        write_file(dir / "film.fr.vtt", vtt("00:00:00.300", "00:00:02.900", "Décollage : les moteurs aident la turbine."));
        write_file(dir / "film.en.vtt", vtt("00:00:00.300", "00:00:02.900", "Take-off: the motors assist the turbine."));
        film = {dir / "film.mp4", {{"fr", dir / "film.fr.vtt"}, {"en", dir / "film.en.vtt"}}};
    }
};

const Media& media() {
    static Media m;
    return m;
}

// The first cue of a WebVTT file: start and end in seconds, and its text.
struct Cue {
    double start = 0, end = 0;
    std::string text;
};

double vtt_time(const std::string& t) {
    double h = 0, m = 0, s = 0;
    if (std::sscanf(t.c_str(), "%lf:%lf:%lf", &h, &m, &s) == 3) return h * 3600 + m * 60 + s;
    if (std::sscanf(t.c_str(), "%lf:%lf", &m, &s) == 2) return m * 60 + s;
    throw std::runtime_error("not a WebVTT time: " + t);
}

Cue first_cue(const fs::path& vtt_file) {
    std::istringstream in(read_file(vtt_file));
    std::string line;
    while (std::getline(in, line)) {
        auto arrow = line.find("-->");
        if (arrow == std::string::npos) continue;
        Cue c;
        c.start = vtt_time(line.substr(0, arrow));
        std::istringstream times(line.substr(arrow + 3));
        std::string end;
        times >> end;
        c.end = vtt_time(end);
        while (std::getline(in, line) && !line.empty()) c.text += (c.text.empty() ? "" : "\n") + line;
        return c;
    }
    throw std::runtime_error("no cue in " + vtt_file.string());
}

}  // namespace

TEST_CASE("a player with nothing loaded does nothing, harmlessly") {
    Harness h;
    auto& p = h.player;
    h.run_for(0.3);
    CHECK(p.muted());
    CHECK_FALSE(p.paused());
    CHECK_FALSE(p.render_if_needed());
    CHECK_FALSE(p.wants_redraw());
    CHECK_FALSE(p.has_frame());
    CHECK_FALSE(p.ended());
    CHECK(p.texture() == 0);
    CHECK(p.playlist_index() == -1);
    CHECK(p.position() == 0);
    CHECK(p.error().empty());
    p.set_language("fr", "en");
    p.set_paused(false);
    p.set_volume(250);
    p.stop();
    p.report_swap();
    h.run_for(0.2);
    CHECK(p.texture() == 0);
    CHECK(p.subtitle_text().empty());
    INFO(h.log_text());
    CHECK(p.error_count() == 0);
}

TEST_CASE("a demo video plays into the texture") {
    Harness h;
    auto& p = h.player;
    p.play_once(media().film);
    // The first frame, then two seconds of real time.
    REQUIRE(h.run_until(5, [&] { return p.has_frame(); }));
    double start = p.position();
    h.run_for(2);
    INFO(h.log_text());
    CHECK(p.position() >= start + 1.0);
    CHECK(p.duration() > 5);
    CHECK(p.has_frame());
    CHECK(p.wants_redraw());
    CHECK(h.frames >= 15);  // a steady picture, not one frame
    REQUIRE(p.texture() != 0);
    CHECK(p.width() > 0);
    CHECK(p.height() * 16 == p.width() * 9);
    Pixels px = h.pixels();
    REQUIRE(px.size() == std::size_t(p.width()) * p.height() * 4);
    CHECK(distinct_colours(px) > 100);
    CHECK(p.error().empty());
    CHECK(p.error_count() == 0);


    // Paused: the clock stops and the kiosk may sleep.
    p.set_paused(true);
    REQUIRE(h.run_until(1, [&] { return p.paused(); }));
    h.run_for(0.2);
    double at = p.position();
    h.run_for(0.5);
    CHECK(p.position() == at);
    CHECK_FALSE(p.wants_redraw());
    p.set_paused(false);
    CHECK(h.run_until(2, [&] { return p.position() > at + 0.2; }));

    // A requested size is the texture's size.
    p.set_render_size(200, 100);
    int before = h.frames;
    CHECK(h.run_until(2, [&] { return h.frames > before + 2; }));
    CHECK(p.width() == 200);
    CHECK(p.height() == 100);

    // Stopped: no picture, nothing to draw.
    p.stop();
    CHECK(h.run_until(2, [&] { return !p.wants_redraw(); }));
    CHECK(p.playlist_index() == -1);
    CHECK_FALSE(p.has_frame());
    CHECK_FALSE(p.ended());
    CHECK(p.error_count() == 0);
}

TEST_CASE("on screen, the film covers the window's framebuffer with no texture of its own") {
    Harness h;
    auto& p = h.player;
    p.set_on_screen(true);
    CHECK(p.on_screen());
    p.play_loop({media().split});
    Pixels screen;
    h.on_frame = [&] { screen = gl().read_screen(); };
    REQUIRE(h.run_until(5, [&] { return p.has_frame(); }));
    INFO(h.log_text());
    CHECK(p.texture() == 0);
    const int w = gl().width(), hh = gl().height();
    REQUIRE(screen.size() == std::size_t(w) * hh * 4);
    // GL reads rows bottom-up: the picture's red top is the last row. A 4:3
    // picture in a square window is cropped to cover it: the first and last
    // rows are picture, not black bars.
    auto top = row_colour(screen, w, hh - 2), bottom = row_colour(screen, w, 1);
    CHECK(top[0] > 180);
    CHECK(top[2] < 80);
    CHECK(bottom[2] > 180);
    CHECK(bottom[0] < 80);

    // Back into the texture, as a showcase shows its film.
    p.set_on_screen(false);
    CHECK_FALSE(p.has_frame());
    REQUIRE(h.run_until(5, [&] { return p.has_frame(); }));
    CHECK(p.texture() != 0);
    CHECK(p.error_count() == 0);
}

// Two 1 s films in the attract loop, watched until it has turned over twice.
struct LoopTurns {
    bool looped = false;
    std::string order;  // playlist_index() at each change
    std::set<std::string> subtitles[2];
    int dark_frames = 0;
    int frames = 0;
    double longest_wait = 0;  // between two rendered frames
    double took = 0;
    std::string log;
    bool ended = false;
    int errors = 0;
};

LoopTurns watch_loop_turns() {
    Harness h;
    auto& p = h.player;
    LoopTurns r;
    std::vector<int> order;
    Clock::time_point last_frame;
    h.on_frame = [&] {
        auto now = Clock::now();
        if (h.frames > 1) r.longest_wait = std::max(r.longest_wait, std::chrono::duration<double>(now - last_frame).count());
        last_frame = now;
        if (all_dark(h.pixels())) ++r.dark_frames;
        if (p.playlist_index() >= 0 && !p.subtitle_text().empty()) r.subtitles[p.playlist_index()].insert(p.subtitle_text());
    };
    p.set_language("en");
    p.play_loop({media().one, media().two});
    auto started = Clock::now();
    r.looped = h.run_until(4 * slowdown(), [&] {
        if (order.empty() || order.back() != p.playlist_index()) order.push_back(p.playlist_index());
        return order.size() >= 4 && order[order.size() - 3] == 0 && order[order.size() - 2] == 1 &&
               order.back() == 0;
    });
    r.took = std::chrono::duration<double>(Clock::now() - started).count();
    for (int i : order) r.order += std::to_string(i) + " ";
    r.frames = h.frames;
    r.log = h.log_text();
    r.ended = p.ended();
    r.errors = p.error_count();
    return r;
}

TEST_CASE("the attract loop turns over with no black frame, each film with its subtitles") {
    const auto r = watch_loop_turns();
    INFO(r.log);
    CAPTURE(r.order);
    CHECK(r.looped);
    CHECK(r.dark_frames == 0);
    // Each item with its own subtitles (at a turn, the index and the text
    // are published separately, so one frame may pair them the old way).
    CHECK(r.subtitles[0].count("one"));
    CHECK(r.subtitles[1].count("two"));
    CHECK_FALSE(r.ended);
    CHECK(r.errors == 0);
}

// Wall-clock figures: the entry video_timing, which the sanitizer builds
// leave out (tools/sanitize), as their pauses are the sanitizer's.
TEST_CASE("timing: the attract loop turns over with no gap") {
    const auto r = watch_loop_turns();
    INFO(r.log);
    CAPTURE(r.order);
    REQUIRE(r.looped);
    CHECK(r.took < 3.5);  // two 1 s items: the turns cost next to nothing
    CHECK(r.longest_wait < 0.2);  // 33 ms per frame; a turn that reopens the video stalls ~250 ms
    CHECK(r.frames >= 40);
}

TEST_CASE("a player closed while it opens its films, or in the middle of one, closes at once") {
    // As the kiosk does each time a visitor leaves the attract loop: the
    // next film may be opening (prefetched) and a subtitle loading.
    std::vector<std::string> log;
    double slowest = 0;
    for (int i = 0; i < 24; ++i) {
        CAPTURE(i);
        auto player = std::make_unique<VideoPlayer>(Harness::options(log));
        player->set_language(i % 2 ? "en" : "fr");
        player->play_loop({media().one, media().two});
        // from no frame at all to well into the first film
        const auto until = Clock::now() + std::chrono::milliseconds(i * 60);
        while (Clock::now() < until) {
            SDL_Event e;
            if (SDL_WaitEventTimeout(&e, 10) && e.type == VideoPlayer::event_type()) {
                player->handle_events();
                player->render_if_needed();
            }
        }
        const auto start = Clock::now();
        player.reset();
        slowest = std::max(slowest, std::chrono::duration<double>(Clock::now() - start).count());
    }
    std::string text;
    for (const auto& l : log) text += l + "\n";
    INFO(text);
    MESSAGE("slowest close: " << slowest * 1000 << " ms");
    CHECK(slowest < 2.5);  // 2 s at most waiting for mpv to be idle, then the free
    CHECK(text.find("not idle") == std::string::npos);
}

TEST_CASE("a showcase video plays once and stays on its last frame") {
    Harness h;
    auto& p = h.player;
    p.play_once(media().split);
    REQUIRE(h.run_until(4, [&] { return p.ended(); }));
    INFO(h.log_text());
    CHECK(p.has_frame());
    CHECK(p.playlist_index() == 0);
    CHECK(p.position() > 0.9);
    CHECK_FALSE(p.wants_redraw());
    h.run_for(0.5);  // nothing comes to clear it
    CHECK(p.has_frame());
    CHECK(p.ended());
    REQUIRE(p.texture() != 0);
    CHECK(p.width() == 320);
    CHECK(p.height() == 240);
    // Row 0 is the top of the picture (red), as ImGui::Image draws it.
    Pixels px = h.pixels();
    REQUIRE(px.size() == 320u * 240u * 4u);
    auto top = row_colour(px, 320, 2), bottom = row_colour(px, 320, 237);
    CAPTURE(top);
    CAPTURE(bottom);
    CHECK((top[0] > 200 && top[1] < 60 && top[2] < 60));
    CHECK((bottom[0] < 60 && bottom[1] < 60 && bottom[2] > 200));
    CHECK(p.error_count() == 0);


    // And it plays again when asked.
    p.play_once(media().one);
    CHECK(h.run_until(2, [&] { return !p.ended() && p.position() > 0.2; }));
    CHECK(h.run_until(3, [&] { return p.ended(); }));
    CHECK(p.error_count() == 0);
}

TEST_CASE("subtitles follow the visitor's language") {
    Harness h;
    auto& p = h.player;
    const auto& film = media().film;
    Cue en = first_cue(film.subtitles.at("en")), fr = first_cue(film.subtitles.at("fr"));
    REQUIRE(en.text != fr.text);
    p.set_language("en");
    p.play_once(film);
    // Into the first cue, then hold the picture there.
    REQUIRE(h.run_until(5, [&] { return p.position() > en.start + 0.2 && !p.subtitle_text().empty(); }));
    p.set_paused(true);
    REQUIRE(h.run_until(1, [&] { return p.paused(); }));
    INFO(h.log_text());
    REQUIRE(p.position() < en.end - 0.2);
    CHECK(p.subtitle_language() == "en");
    CHECK(p.subtitle_text() == en.text);

    p.set_language("fr", "en");
    CHECK(h.run_until(2, [&] { return p.subtitle_language() == "fr" && p.subtitle_text() == fr.text; }));
    CHECK(p.subtitle_text() == fr.text);

    // A language the film has no subtitles in: the fallback, else none.
    p.set_language("de", "en");
    CHECK(h.run_until(2, [&] { return p.subtitle_language() == "en" && p.subtitle_text() == en.text; }));
    CHECK(p.subtitle_text() == en.text);
    p.set_language("de");
    CHECK(h.run_until(2, [&] { return p.subtitle_language().empty() && p.subtitle_text().empty(); }));
    CHECK(p.subtitle_language().empty());

    // Back and forth reuses the tracks already loaded.
    p.set_language("en");
    CHECK(h.run_until(2, [&] { return p.subtitle_text() == en.text; }));
    CHECK(p.error_count() == 0);
}

TEST_CASE("a missing subtitle file is a warning for the film that plays; a film left meanwhile says nothing") {
    Harness h;
    auto& p = h.player;
    VideoPlayer::Item film = media().film;
    film.subtitles["fr"] = "/nonexistent/film.fr.vtt";
    p.set_language("fr");
    p.play_once(film);
    CHECK(h.run_until(5, [&] { return h.log_text().find("subtitles failed") != std::string::npos; }));
    // Left at once, over and over: the subtitle loads still on their way
    // fail with their playback, and nothing is logged for them.
    const std::size_t logged = h.log.size();
    for (int i = 0; i < 20; ++i) {
        p.play_once(media().film);
        h.run_for(0.05);
        p.stop();
        h.run_for(0.05);
    }
    h.run_for(1);
    INFO(h.log_text());
    std::size_t problems = 0;
    for (std::size_t i = logged; i < h.log.size(); ++i)
        problems += h.log[i].find("Suspected software renderer") == std::string::npos;
    CHECK(problems == 0);
}

TEST_CASE("sound is off until asked for") {
    Harness h;
    auto& p = h.player;
    p.play_once(media().one);
    REQUIRE(h.run_until(3, [&] { return p.has_frame(); }));
    CHECK(p.muted());
    p.set_muted(false);
    CHECK(h.run_until(1, [&] { return !p.muted(); }));
    h.run_for(0.1);
    CHECK_FALSE(p.muted());
    p.set_volume(30);
    p.set_muted(true);
    CHECK(h.run_until(1, [&] { return p.muted(); }));
    INFO(h.log_text());
    CHECK(p.error_count() == 0);
}

TEST_CASE("a missing or corrupt file is an error on screen, not a crash") {
    Harness h;
    auto& p = h.player;
    TempDir dir;
    fs::path missing = dir / "nowhere.mp4", corrupt = dir / "noise.mp4";
    std::mt19937 gen(7);
    std::string noise(256 * 1024, '\0');
    for (auto& c : noise) c = static_cast<char>(gen() & 0xff);
    write_file(corrupt, noise);

    for (const fs::path& bad : {missing, corrupt}) {
        CAPTURE(bad);
        int errors = p.error_count();
        p.play_once({bad, {{"en", dir / "nowhere.vtt"}}});
        REQUIRE(h.run_until(3, [&] { return !p.error().empty(); }));
        h.run_for(0.3);
        INFO(h.log_text());
        CHECK(p.error().find(bad.filename().string()) != std::string::npos);
        CHECK(p.error_count() > errors);
        CHECK_FALSE(p.has_frame());
        CHECK_FALSE(p.ended());
        CHECK_FALSE(p.wants_redraw());
        CHECK(p.playlist_index() == -1);
    }

    // The player still plays the next video...
    int errors = p.error_count();
    p.play_once(media().one);
    CHECK(h.run_until(3, [&] { return p.has_frame(); }));
    CHECK(p.error().empty());
    CHECK(p.error_count() == errors);

    // ... and in the attract loop, the good items play around a bad one.
    p.play_loop({media().one, {corrupt, {}}, media().two});
    CHECK(h.run_until(4, [&] { return p.playlist_index() == 2; }));
    CHECK(h.run_until(3, [&] { return p.playlist_index() == 0; }));
    CHECK(p.has_frame());
    CHECK(p.error_count() > errors);
    INFO(h.log_text());
    CHECK(p.error().find("noise.mp4") != std::string::npos);
}
