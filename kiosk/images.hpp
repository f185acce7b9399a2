// Images for the screens (thumbnails, showcase pictures) as GL textures.
// Files are read and decoded on worker threads; the UI thread only looks up
// what is ready and uploads a few textures per frame, so a frame never waits
// on disk or on a decoder. GPU memory is held to a budget by evicting the
// least recently used textures.
//
// Threads: construct, call and destroy an ImageCache on the UI thread, the
// one that owns the GL context, with that context current. Every method
// checks this, in every build, and aborts otherwise: a GL call from another
// thread corrupts state without any error. The decoder threads never call GL
// and reach the application only through Options::wake.
//
// This header must never include GL or stb headers: screens include it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace vitrine {

class ImageCache {
public:
    // A GL_TEXTURE_2D, RGBA8, linear filtering, clamped to its edges, no
    // mipmaps. Row 0 is the image's top row: ImGui::Image with the default
    // uv0 = (0, 0), uv1 = (1, 1) draws it upright.
    struct Texture {
        unsigned id = 0;
        int width = 0, height = 0;
    };

    struct Options {
        // GPU bytes for all textures together (width * height * 4 each).
        // Only the images asked for in the current frame may exceed it, see
        // upload_ready().
        std::size_t max_bytes = std::size_t{96} << 20;
        unsigned decode_threads = 1;
        // Decoded pixels waiting for upload_ready(). Above it the decoders
        // wait (each may finish the image it holds first).
        std::size_t max_ready_bytes = std::size_t{32} << 20;
        // Larger images are scaled down to fit: the Raspberry Pi 4's GPU
        // takes no texture wider or taller than 4096.
        int max_texture_size = 4096;
        // Called on a decoder thread each time a result (image or failure)
        // waits for upload_ready(). It must only wake the event loop (push
        // an SDL event); it must not call back into the cache.
        std::function<void()> wake;
        // One message per file that cannot be read or decoded, called on the
        // UI thread from upload_ready().
        std::function<void(const std::string&)> log;
    };

    // For tests and the staff screen. Counters run from construction.
    struct Stats {
        std::size_t textures = 0;   // alive on the GPU
        std::size_t gpu_bytes = 0;  // their total size
        std::size_t queued = 0;     // asked for, not yet taken by a decoder
        std::size_t decoding = 0;   // taken by a decoder, not finished
        std::size_t ready = 0;      // decoded, waiting for upload_ready()
        std::uint64_t decodes = 0;  // images decoded successfully
        std::uint64_t failures = 0; // files that could not be read or decoded
        std::uint64_t uploads = 0;
        std::uint64_t evictions = 0;
    };

    ImageCache();
    explicit ImageCache(Options options);
    // Stops the decoders (an image being decoded is finished and thrown
    // away), then deletes every texture: the GL context must still be
    // current.
    ~ImageCache();
    ImageCache(const ImageCache&) = delete;
    ImageCache& operator=(const ImageCache&) = delete;

    // The texture for `file`, at most `max_width` pixels wide if above 0
    // (scaled down on the decoder thread, aspect ratio kept), or nullptr
    // while it is not uploaded yet. Never waits: the first call queues a
    // decode; the images asked for most recently are decoded first, so the
    // cards on screen load before the ones scrolled past. The same file at
    // two widths is two textures. The pointer stays valid until the next
    // upload_ready() or clear(): ask again every frame.
    const Texture* get(const std::filesystem::path& file, int max_width = 0);

    // True once `file` could not be read or decoded (at any width). It is
    // logged once and never retried until clear(); get() returns nullptr.
    bool failed(const std::filesystem::path& file) const;

    // Call once per frame. Uploads at most `max_uploads_per_frame` decoded
    // images, records failures, then evicts least recently used textures
    // until the budget is met. A texture asked for with get() since the
    // previous upload_ready() is never evicted: what is on screen must stay
    // drawable, even if those images alone exceed the budget for a while.
    void upload_ready(int max_uploads_per_frame = 4);

    // Forgets everything: textures, queued and decoded images, failures.
    // For a content pack switch; decodes in progress are thrown away.
    void clear();

    Stats stats() const;

    // While paused, the decoders take no new request (the one in hand is
    // finished). Tests use it to look at a queue that does not move.
    void pause_decoding(bool paused);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace vitrine
