// The image cache: decoder threads that read files and decode them with
// stb_image, and the UI-thread side that turns their pixels into GL textures
// and keeps the GPU budget.
//
// The two sides meet in one place, the mutex-guarded `pending` list (what to
// decode) and `ready` queue (what was decoded); the UI thread drains `ready`
// once per frame. A decoder must never call GL, the log or the entries map;
// the UI thread must never hold the mutex across disk, decoding or GL work,
// and never waits for a decoder except in the destructor.
#include "images.hpp"

#include "kiosk/log.hpp"

#include <GLES3/gl3.h>
#include <stb_image.h>
#include <stb_image_resize.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace fs = std::filesystem;

namespace vitrine {
namespace {

// A small file can declare a huge image; decoding it would take gigabytes
// on a 2 GiB board. No picture a pack needs comes near 40 megapixels.
constexpr long long kMaxSourcePixels = 40'000'000;

struct StbiFree {
    void operator()(unsigned char* p) const { stbi_image_free(p); }
};
using StbiPixels = std::unique_ptr<unsigned char, StbiFree>;

// One file asked for at one width. The entry (UI thread) and the pending
// list (under the mutex) share it; get() bumps `asked` without the lock so
// that an image still on screen keeps its place at the front.
struct Request {
    std::string key;
    fs::path file;
    int max_width = 0;
    std::uint64_t generation = 0;
    std::atomic<std::uint64_t> asked{0};
};

// What a decoder hands over: pixels (RGBA8, top row first) or an error.
struct Decoded {
    std::string key;
    fs::path file;
    std::uint64_t generation = 0;
    int width = 0, height = 0;
    StbiPixels stb;                     // as decoded,
    std::vector<unsigned char> scaled;  // or scaled down
    std::string error;                  // empty on success

    const unsigned char* pixels() const { return stb ? stb.get() : scaled.data(); }
    std::size_t bytes() const { return std::size_t(width) * std::size_t(height) * 4; }
};

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

std::string stb_reason() {
    const char* r = stbi_failure_reason();
    return r ? r : "unknown error";
}

// The size a w x h image gets: at most `max_width` wide (if above 0) and
// `limit` either way, aspect ratio kept, never enlarged.
std::pair<int, int> fit(int w, int h, int max_width, int limit) {
    int wlimit = max_width > 0 ? std::min(max_width, limit) : limit;
    double scale = 1;
    if (w > wlimit) scale = double(wlimit) / w;
    if (h * scale > limit) scale = double(limit) / h;
    if (scale >= 1) return {w, h};
    return {std::max(1, int(std::lround(w * scale))), std::max(1, int(std::lround(h * scale)))};
}

// Fills `out` from its file. Runs on a decoder thread.
void decode(Decoded& out, int max_width, int max_texture_size) {
    const std::string name = out.file.string();
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(out.file.c_str(), "rb"), &std::fclose);
    if (!f) {
        out.error = "image " + name + ": cannot open (" + errno_text(errno) + ")";
        return;
    }
    // The header first, so that a decompression bomb is refused before
    // anything is allocated for it.
    int w = 0, h = 0, channels = 0;
    if (!stbi_info_from_file(f.get(), &w, &h, &channels)) {
        out.error = "image " + name + ": cannot decode (" + stb_reason() + ")";
        return;
    }
    if (static_cast<long long>(w) * h > kMaxSourcePixels) {
        out.error = "image " + name + ": too large (" + std::to_string(w) + "x" + std::to_string(h) + ")";
        return;
    }
    StbiPixels px(stbi_load_from_file(f.get(), &w, &h, &channels, 4));
    if (!px) {
        out.error = "image " + name + ": cannot decode (" + stb_reason() + ")";
        return;
    }
    auto [tw, th] = fit(w, h, max_width, max_texture_size);
    if (tw == w && th == h) {
        out.stb = std::move(px);
    } else {
        out.scaled.resize(std::size_t(tw) * std::size_t(th) * 4);
        // In linear light and weighted by alpha: a plain average would
        // darken fine detail and bleed the colour of transparent pixels.
        if (!stbir_resize_uint8_srgb(px.get(), w, h, 0, out.scaled.data(), tw, th, 0, 4, 3, 0)) {
            out.scaled.clear();
            out.error = "image " + name + ": cannot scale to " + std::to_string(tw) + "x" + std::to_string(th);
            return;
        }
    }
    out.width = tw;
    out.height = th;
}

}  // namespace

struct ImageCache::Impl {
    Options opt;
    const std::thread::id ui_thread = std::this_thread::get_id();

    // UI thread only.
    struct Entry {
        std::shared_ptr<Request> request;  // until uploaded
        Texture texture;                    // id 0 until uploaded
        std::uint64_t last_use = 0;         // tick of the last get()
        std::uint64_t frame = 0;            // frame of the last get()
    };
    std::unordered_map<std::string, Entry> entries;  // by file + '\0' + max_width
    std::unordered_set<std::string> failed;          // by file
    std::uint64_t tick = 0, frame = 0;
    std::size_t gpu_bytes = 0, textures = 0;
    std::uint64_t failures = 0, uploads = 0, evictions = 0;

    // Shared with the decoders, under `mu`.
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::shared_ptr<Request>> pending;
    std::deque<Decoded> ready;
    std::size_t ready_bytes = 0;
    std::uint64_t generation = 0;  // bumped by clear(): older results are dropped
    std::uint64_t decodes = 0;
    std::size_t decoding = 0;
    bool paused = false, stopping = false;

    std::vector<std::thread> decoders;

    // Every method's first line (STYLE practice 3). Kept in release builds:
    // a wrong-thread GL call corrupts state silently, and the check costs one
    // comparison.
    void check_ui_thread(const char* method) const {
        if (std::this_thread::get_id() == ui_thread) return;
        vitrine::log(LogLevel::Error, std::string("ImageCache::") + method + " called off the UI thread");
        std::abort();
    }

    void stop_decoders() {
        {
            std::lock_guard lk(mu);
            stopping = true;
        }
        cv.notify_all();
        for (auto& t : decoders) t.join();
        decoders.clear();
    }

    void decoder_loop() {
        // stb's flip flag is process-wide; this thread's own setting wins,
        // so textures stay top row first whatever other code sets.
        stbi_set_flip_vertically_on_load_thread(0);
        std::unique_lock lk(mu);
        for (;;) {
            cv.wait(lk, [&] {
                return stopping || (!paused && !pending.empty() && ready_bytes < opt.max_ready_bytes);
            });
            if (stopping) return;
            // The most recently asked for first. The list holds at most the
            // images of a few screens: a scan is enough.
            auto it = std::max_element(pending.begin(), pending.end(),
                                       [](const auto& a, const auto& b) { return a->asked < b->asked; });
            std::swap(*it, pending.back());
            std::shared_ptr<Request> req = std::move(pending.back());
            pending.pop_back();
            ++decoding;
            lk.unlock();

            Decoded d;
            d.key = req->key;
            d.file = req->file;
            d.generation = req->generation;
            try {
                decode(d, req->max_width, opt.max_texture_size);
            } catch (const std::exception& e) {  // out of memory for a big image: that image fails
                d.stb.reset();
                d.scaled = {};
                d.width = d.height = 0;
                d.error = "image " + d.file.string() + ": " + e.what();
            }

            lk.lock();
            --decoding;
            if (stopping) return;
            if (d.generation != generation) continue;
            if (d.error.empty()) ++decodes;
            ready_bytes += d.bytes();
            ready.push_back(std::move(d));
            lk.unlock();
            if (opt.wake) opt.wake();
            lk.lock();
        }
    }

    void delete_textures() {
        std::vector<GLuint> ids;
        for (auto& [key, e] : entries)
            if (e.texture.id) ids.push_back(e.texture.id);
        if (!ids.empty()) glDeleteTextures(GLsizei(ids.size()), ids.data());
        gpu_bytes = 0;
        textures = 0;
    }

    GLuint upload(const Decoded& d) {
        GLuint id = 0;
        glGenTextures(1, &id);
        glBindTexture(GL_TEXTURE_2D, id);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, d.width, d.height, 0, GL_RGBA, GL_UNSIGNED_BYTE, d.pixels());
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        return id;
    }

    // Least recently used first, sparing what was asked for this frame.
    void evict_to_budget() {
        while (gpu_bytes > opt.max_bytes) {
            auto victim = entries.end();
            for (auto it = entries.begin(); it != entries.end(); ++it) {
                const Entry& e = it->second;
                if (!e.texture.id || e.frame == frame) continue;
                if (victim == entries.end() || e.last_use < victim->second.last_use) victim = it;
            }
            if (victim == entries.end()) return;
            Texture& t = victim->second.texture;
            glDeleteTextures(1, &t.id);
            gpu_bytes -= std::size_t(t.width) * std::size_t(t.height) * 4;
            --textures;
            ++evictions;
            entries.erase(victim);
        }
    }
};

ImageCache::ImageCache() : ImageCache(Options{}) {}

ImageCache::ImageCache(Options options) : impl_(std::make_unique<Impl>()) {
    impl_->opt = std::move(options);
    unsigned n = std::max(1u, impl_->opt.decode_threads);
    try {
        for (unsigned i = 0; i < n; ++i) impl_->decoders.emplace_back([this] { impl_->decoder_loop(); });
    } catch (...) {
        impl_->stop_decoders();
        throw;
    }
}

ImageCache::~ImageCache() {
    impl_->check_ui_thread("~ImageCache");
    impl_->stop_decoders();
    impl_->delete_textures();
}

const ImageCache::Texture* ImageCache::get(const fs::path& file, int max_width) {
    Impl& m = *impl_;
    m.check_ui_thread("get");
    max_width = std::max(0, max_width);
    std::string key = file.native();
    key += '\0';
    key += std::to_string(max_width);
    ++m.tick;

    if (auto it = m.entries.find(key); it != m.entries.end()) {
        Impl::Entry& e = it->second;
        e.last_use = m.tick;
        e.frame = m.frame;
        if (e.request) {
            e.request->asked = m.tick;
            return nullptr;
        }
        return &e.texture;
    }
    if (m.failed.count(file.native())) return nullptr;

    auto req = std::make_shared<Request>();
    req->key = key;
    req->file = file;
    req->max_width = max_width;
    req->asked = m.tick;
    Impl::Entry& e = m.entries[key];
    e.request = req;
    e.last_use = m.tick;
    e.frame = m.frame;
    {
        std::lock_guard lk(m.mu);
        req->generation = m.generation;
        m.pending.push_back(std::move(req));
    }
    m.cv.notify_one();
    return nullptr;
}

bool ImageCache::failed(const fs::path& file) const {
    impl_->check_ui_thread("failed");
    return impl_->failed.count(file.native()) > 0;
}

void ImageCache::upload_ready(int max_uploads_per_frame) {
    Impl& m = *impl_;
    m.check_ui_thread("upload_ready");

    // Take the results out first: the decoders wait on the mutex, not on GL.
    // A failure costs no GL work and does not count against the limit.
    std::vector<Decoded> batch;
    {
        std::lock_guard lk(m.mu);
        int images = 0;
        while (!m.ready.empty() && (!m.ready.front().error.empty() || images < max_uploads_per_frame)) {
            if (m.ready.front().error.empty()) ++images;
            m.ready_bytes -= m.ready.front().bytes();
            batch.push_back(std::move(m.ready.front()));
            m.ready.pop_front();
        }
    }
    if (!batch.empty()) m.cv.notify_all();  // room in `ready` again

    GLint old_texture = 0, old_alignment = 0;
    bool touched_gl = false;
    for (Decoded& d : batch) {
        auto it = m.entries.find(d.key);
        if (it == m.entries.end() || !it->second.request) continue;  // not expected: entries wait for their decode
        if (!d.error.empty()) {
            m.entries.erase(it);
            // Another width of the same file may fail too: one message.
            if (m.failed.insert(d.file.native()).second) {
                ++m.failures;
                if (m.opt.log) m.opt.log(d.error);
            }
            continue;
        }
        if (!touched_gl) {
            // Leave the GL state as found; rows of RGBA8 are 4-byte aligned.
            glGetIntegerv(GL_TEXTURE_BINDING_2D, &old_texture);
            glGetIntegerv(GL_UNPACK_ALIGNMENT, &old_alignment);
            glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
            touched_gl = true;
        }
        Impl::Entry& e = it->second;
        e.texture = {m.upload(d), d.width, d.height};
        e.request.reset();
        m.gpu_bytes += d.bytes();
        ++m.textures;
        ++m.uploads;
    }
    if (touched_gl) {
        glBindTexture(GL_TEXTURE_2D, GLuint(old_texture));
        glPixelStorei(GL_UNPACK_ALIGNMENT, old_alignment);
    }

    m.evict_to_budget();
    ++m.frame;
}

void ImageCache::clear() {
    Impl& m = *impl_;
    m.check_ui_thread("clear");
    {
        std::lock_guard lk(m.mu);
        ++m.generation;
        m.pending.clear();
        m.ready.clear();
        m.ready_bytes = 0;
    }
    m.cv.notify_all();
    m.delete_textures();
    m.entries.clear();
    m.failed.clear();
}

ImageCache::Stats ImageCache::stats() const {
    Impl& m = *impl_;
    m.check_ui_thread("stats");
    Stats s;
    s.textures = m.textures;
    s.gpu_bytes = m.gpu_bytes;
    s.failures = m.failures;
    s.uploads = m.uploads;
    s.evictions = m.evictions;
    std::lock_guard lk(m.mu);
    s.queued = m.pending.size();
    s.decoding = m.decoding;
    s.ready = m.ready.size();
    s.decodes = m.decodes;
    return s;
}

void ImageCache::pause_decoding(bool paused) {
    Impl& m = *impl_;
    m.check_ui_thread("pause_decoding");
    {
        std::lock_guard lk(m.mu);
        m.paused = paused;
    }
    m.cv.notify_all();
}

}  // namespace vitrine
