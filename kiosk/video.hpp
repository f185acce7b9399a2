// The kiosk's one video player: libmpv decoding into an OpenGL texture that
// the UI draws as an image. The same player serves the attract loop (the
// campaign playlist, looped with no gap, muted) and a showcase's video.
//
// Threads: everything here runs on the UI thread, which owns the GL context.
// libmpv's own threads only ever push an SDL event of event_type(); the main
// loop answers it with handle_events() and render_if_needed(). Nothing here
// waits on mpv's core, so a frame never blocks on playback: getters return
// values that mpv published through property observation.
//
// This header must never include mpv or GL headers: the UI includes it.
#pragma once
#include "kiosk/log.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace vitrine {

class VideoPlayer {
public:
    using LogLevel = vitrine::LogLevel;  // mpv's errors and warnings: Error or Warning
    // prefix is mpv's module ("ffmpeg/demuxer", "cplayer" ...); text has no
    // trailing newline.
    using LogSink = std::function<void(LogLevel, const std::string& prefix, const std::string& text)>;

    struct Options {
        std::string audio_output = "auto";  // mpv's `ao`: "null" in tests
        std::string hwdec = "auto-safe";    // mpv's `hwdec`
        LogSink log;                        // warnings and errors; may be empty
        // Called on libmpv's threads right after the player pushed its SDL
        // event, so that a loop sleeping on something else than SDL's queue
        // wakes at once for a new picture (SDL 2 only polls its queue on the
        // offscreen and KMSDRM drivers). It must only signal: never call the
        // player. May be empty.
        std::function<void()> wake;
    };

    struct Item {
        std::filesystem::path path;
        std::map<std::string, std::filesystem::path> subtitles;  // language -> WebVTT/SRT file
    };

    // Needs a current GL context (the one the UI draws with) on this thread
    // and SDL initialised. Throws std::runtime_error if libmpv cannot start.
    explicit VideoPlayer(Options options);
    ~VideoPlayer();
    VideoPlayer(const VideoPlayer&) = delete;
    VideoPlayer& operator=(const VideoPlayer&) = delete;

    // The SDL event type that libmpv's threads push when the player has
    // something to do. On it, call handle_events() then render_if_needed().
    static std::uint32_t event_type();

    // The attract loop: plays the items in order, again and again, with no
    // gap or black frame between them. Replaces whatever was playing.
    void play_loop(std::vector<Item> items);
    // A showcase's video: plays once and stops on its last frame (ended()).
    void play_once(Item item);
    // Stops playback; has_frame() is false until something plays again.
    void stop();

    void set_paused(bool paused);
    bool paused() const;
    void set_muted(bool muted);  // muted from the start
    bool muted() const;
    void set_volume(int percent);  // 0..100, clamped
    // Where subtitles sit: the bottom of the text at `percent` of the
    // picture's height (100: at the bottom), so that the UI can keep a band
    // of its own below them.
    void set_subtitle_position(int percent);
    // Frames mpv's decoder dropped since the player was made.
    std::int64_t dropped_frames() const;

    // Subtitles in `language` for the current and later items; an item with
    // no subtitles in that language shows `fallback`'s, or none. Cheap to
    // call every frame: only a change reaches mpv.
    void set_language(std::string language, std::string fallback = {});
    std::string subtitle_language() const;  // of the subtitle shown, "" for none
    std::string subtitle_text() const;      // the cue on screen now, "" for none

    // Drains libmpv's events: state changes, log messages, file ends.
    void handle_events();
    // Renders the new video frame into texture() if libmpv has one; true if
    // it did, and the UI should draw a frame. Never waits for the frame's
    // display time. Call it before the UI renders: mpv leaves its own GL
    // state behind (viewport, program, textures), which the UI's renderer
    // replaces with its own (Dear ImGui's OpenGL 3 backend sets all it uses).
    // Only the framebuffer binding is restored.
    bool render_if_needed();
    // Where pictures go: into texture() (the default), or straight onto the
    // window's default framebuffer through render_on_screen(), under the UI:
    // one full-screen pass fewer for a fullscreen film. Switching to the
    // screen frees the texture; there the picture covers the whole window,
    // cropped where the shapes differ.
    void set_on_screen(bool on_screen);
    bool on_screen() const;
    // On-screen mode: fills the whole `width` x `height` framebuffer with the
    // current picture (a new one if render_if_needed() said so, else the last
    // one again; black bars around it, black before the first). Call it
    // instead of clearing, before the UI renders over it.
    void render_on_screen(int width, int height);
    // After every swap of the window (or never): mpv paces video by it.
    void report_swap();
    // True while the UI should keep drawing frames: a frame is waiting to be
    // rendered or playback is running. False: the UI may sleep until the
    // next event of event_type().
    bool wants_redraw() const;

    // The texture (GL_RGBA8, row 0 = top of the picture, so ImGui::Image's
    // default uv is upright). 0 before the first frame. Sized to the video
    // unless set_render_size() asked for a size. Draw it only while
    // has_frame(): after stop() or a new play_*() it may still hold the
    // previous picture.
    unsigned texture() const;
    int width() const;
    int height() const;
    void set_render_size(int width, int height);  // 0, 0: the video's size

    double position() const;  // seconds into the current item
    double duration() const;  // of the current item; 0 if unknown
    int playlist_index() const;  // in play_loop's items (0 for play_once); -1 when nothing plays
    bool has_frame() const;   // texture() holds a picture of what plays
    bool ended() const;       // play_once's item reached its end
    // Why the last item could not be played ("" when all is well).
    const std::string& error() const;
    // Error-level log messages since the start (tests fail on any).
    int error_count() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace vitrine
