// ImageCache against a real headless GLES 3 context (SDL's offscreen driver):
// decoding off the UI thread, upload, scaling, the GPU budget, broken files,
// clear() and shutdown. Test images are written with stb_image_write, so the
// suite needs no demo pack; the demo pack's own JPEGs are checked too when
// the build made one.
#include "kiosk/images.hpp"
#include "support/support.hpp"

#include <GLES3/gl3.h>
#include <SDL.h>
#include <doctest/doctest.h>
#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace vitrine;
using namespace vitrine::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A hidden window with a current GLES 3.0 context, made as the kiosk makes its own.
struct Gl {
    SDL_Window* window = nullptr;
    SDL_GLContext context = nullptr;

    Gl() {
        ::setenv("SDL_VIDEODRIVER", "offscreen", 1);
        if (SDL_Init(SDL_INIT_VIDEO) != 0) throw std::runtime_error(std::string("SDL_Init: ") + SDL_GetError());
        SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_ES);
        SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
        SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
        window = SDL_CreateWindow("test_images", 0, 0, 64, 64, SDL_WINDOW_OPENGL | SDL_WINDOW_HIDDEN);
        if (window) context = SDL_GL_CreateContext(window);
        if (!context) {
            std::string err = SDL_GetError();
            if (window) SDL_DestroyWindow(window);
            SDL_Quit();
            throw std::runtime_error("no GLES 3 context: " + err);
        }
    }
    ~Gl() {
        SDL_GL_DeleteContext(context);
        SDL_DestroyWindow(window);
        SDL_Quit();
    }
    Gl(const Gl&) = delete;
    Gl& operator=(const Gl&) = delete;
};

struct Fixture {
    Gl gl;
    TempDir dir;
    std::vector<std::string> logs;

    // Options whose log lands in `logs`.
    ImageCache::Options options() {
        ImageCache::Options o;
        o.log = [this](const std::string& m) { logs.push_back(m); };
        return o;
    }
};

struct StbiFree {
    void operator()(unsigned char* p) const { stbi_image_free(p); }
};

// What stb_image itself decodes from `file`, as RGBA.
struct Reference {
    int width = 0, height = 0;
    std::unique_ptr<unsigned char, StbiFree> px;
    explicit Reference(const fs::path& file) {
        int channels = 0;
        px.reset(stbi_load(file.c_str(), &width, &height, &channels, 4));
        if (!px) throw std::runtime_error("stb cannot decode " + file.string());
    }
    const unsigned char* at(int x, int y) const { return px.get() + (std::size_t(y) * width + x) * 4; }
};

// A smooth gradient, which JPEG keeps close, tinted by `seed` so that files differ.
fs::path write_jpeg(const fs::path& p, int w, int h, int seed = 0) {
    std::vector<unsigned char> px(std::size_t(w) * h * 3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            unsigned char* q = &px[(std::size_t(y) * w + x) * 3];
            q[0] = static_cast<unsigned char>(x * 255 / (w - 1));
            q[1] = static_cast<unsigned char>(y * 255 / (h - 1));
            q[2] = static_cast<unsigned char>(seed * 40 % 256);
        }
    if (!stbi_write_jpg(p.c_str(), w, h, 3, px.data(), 95)) throw std::runtime_error("cannot write " + p.string());
    return p;
}

// Frames (get, then upload_ready) until `file` is on the GPU, for at most
// 5 s, that frame included. nullopt if it failed or took longer.
std::optional<ImageCache::Texture> load(ImageCache& cache, const fs::path& file, int max_width = 0) {
    for (auto until = Clock::now() + 5s; Clock::now() < until;) {
        if (const ImageCache::Texture* t = cache.get(file, max_width)) {
            ImageCache::Texture copy = *t;
            cache.upload_ready();
            return copy;
        }
        if (cache.failed(file)) return std::nullopt;
        cache.upload_ready();
        std::this_thread::sleep_for(1ms);
    }
    return std::nullopt;
}

template <class F>
bool eventually(F done) {
    for (auto until = Clock::now() + 5s; !done();) {
        if (Clock::now() > until) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

struct Rgba {
    int r = 0, g = 0, b = 0, a = 0;
};

// One texel, read back through a framebuffer: GLES has no glGetTexImage.
Rgba texel(unsigned texture, int x, int y) {
    GLuint fbo = 0;
    glGenFramebuffers(1, &fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture, 0);
    GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
    unsigned char p[4] = {};
    glReadPixels(x, y, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, p);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    glDeleteFramebuffers(1, &fbo);
    REQUIRE(status == GL_FRAMEBUFFER_COMPLETE);
    return {p[0], p[1], p[2], p[3]};
}

// The texture holds what stb_image decodes from the file, top row first.
void check_same_as_file(const ImageCache::Texture& t, const fs::path& file) {
    Reference ref(file);
    REQUIRE(t.width == ref.width);
    REQUIRE(t.height == ref.height);
    const int w = t.width, h = t.height;
    bool lit = false;
    for (auto at : {std::pair{0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}, {w / 2, h / 2}, {w / 3, 2 * h / 3}}) {
        const int x = at.first, y = at.second;  // not a structured binding: clang 14 cannot capture one
        CAPTURE(x);
        CAPTURE(y);
        Rgba got = texel(t.id, x, y);
        const unsigned char* want = ref.at(x, y);
        CHECK(std::abs(got.r - want[0]) <= 2);
        CHECK(std::abs(got.g - want[1]) <= 2);
        CHECK(std::abs(got.b - want[2]) <= 2);
        CHECK(got.a == 255);
        lit = lit || got.r || got.g || got.b;
    }
    CHECK(lit);
}

constexpr std::size_t kThumbBytes = 480 * 270 * 4;

}  // namespace

TEST_CASE_FIXTURE(Fixture, "an image is decoded off the UI thread and uploaded as a texture") {
    fs::path file = write_jpeg(dir / "thumb.jpg", 480, 270, 1);
    auto wakes = std::make_shared<std::atomic<int>>(0);
    ImageCache::Options o = options();
    o.wake = [wakes] { ++*wakes; };
    ImageCache cache(o);

    auto t = load(cache, file);
    REQUIRE(t);
    CHECK(t->id != 0);
    CHECK(t->width == 480);
    CHECK(t->height == 270);
    check_same_as_file(*t, file);
    CHECK(*wakes >= 1);

    ImageCache::Stats s = cache.stats();
    CHECK(s.textures == 1);
    CHECK(s.gpu_bytes == kThumbBytes);
    CHECK(s.decodes == 1);
    CHECK(s.uploads == 1);
    CHECK(s.queued == 0);
    CHECK(s.ready == 0);

    // Asked again: the same texture, no second decode.
    const ImageCache::Texture* again = cache.get(file);
    REQUIRE(again);
    CHECK(again->id == t->id);
    cache.upload_ready();
    CHECK(cache.stats().decodes == 1);
    CHECK(logs.empty());
}

#ifdef VITRINE_DEMO_DIR
TEST_CASE_FIXTURE(Fixture, "the demo pack's JPEGs load") {
    fs::path media = fs::path(VITRINE_DEMO_DIR) / "pack" / "media" / "autonomous-shuttle";
    REQUIRE(fs::exists(media / "thumb.jpg"));
    ImageCache cache(options());

    auto thumb = load(cache, media / "thumb.jpg");
    REQUIRE(thumb);
    CHECK(thumb->width == 480);
    CHECK(thumb->height == 270);
    check_same_as_file(*thumb, media / "thumb.jpg");

    auto picture = load(cache, media / "1.jpg", 320);
    REQUIRE(picture);
    CHECK(picture->width == 320);
    CHECK(picture->height == 180);
    CHECK(logs.empty());
}
#endif

TEST_CASE_FIXTURE(Fixture, "max_width scales down on the decoder thread") {
    fs::path big = write_jpeg(dir / "big.jpg", 1280, 720, 2);
    ImageCache cache(options());

    auto small = load(cache, big, 320);
    REQUIRE(small);
    CHECK(small->width == 320);
    CHECK(small->height == 180);
    CHECK(cache.stats().gpu_bytes == 320 * 180 * 4);

    // Each texel is close to the mean of the 4x4 source block it stands for.
    Reference ref(big);
    for (auto at : {std::pair{160, 90}, {10, 170}, {300, 20}}) {
        const int x = at.first, y = at.second;  // not a structured binding: clang 14 cannot capture one
        CAPTURE(x);
        CAPTURE(y);
        int sum[3] = {};
        for (int dy = 0; dy < 4; ++dy)
            for (int dx = 0; dx < 4; ++dx)
                for (int c = 0; c < 3; ++c) sum[c] += ref.at(4 * x + dx, 4 * y + dy)[c];
        Rgba got = texel(small->id, x, y);
        CHECK(std::abs(got.r - sum[0] / 16) <= 8);
        CHECK(std::abs(got.g - sum[1] / 16) <= 8);
        CHECK(std::abs(got.b - sum[2] / 16) <= 8);
    }

    // The same file at full size is another texture.
    auto full = load(cache, big);
    REQUIRE(full);
    CHECK(full->width == 1280);
    CHECK(full->height == 720);
    CHECK(full->id != small->id);
    CHECK(cache.stats().textures == 2);
    CHECK(logs.empty());
}

TEST_CASE_FIXTURE(Fixture, "images beyond the texture size limit are scaled to fit, either way") {
    fs::path wide = write_jpeg(dir / "wide.jpg", 480, 270);
    fs::path tall = write_jpeg(dir / "tall.jpg", 100, 400);
    ImageCache::Options o = options();
    o.max_texture_size = 240;
    ImageCache cache(o);

    auto w = load(cache, wide);
    REQUIRE(w);
    CHECK(w->width == 240);
    CHECK(w->height == 135);
    auto t = load(cache, tall);
    REQUIRE(t);
    CHECK(t->width == 60);
    CHECK(t->height == 240);
}

TEST_CASE_FIXTURE(Fixture, "the least recently used textures are evicted to keep the GPU budget") {
    std::vector<fs::path> f;
    for (int i = 0; i < 5; ++i) f.push_back(write_jpeg(dir / (std::string(1, char('a' + i)) + ".jpg"), 480, 270, i));
    ImageCache::Options o = options();
    o.max_bytes = 2 * kThumbBytes + kThumbBytes / 2;
    ImageCache cache(o);

    auto a = load(cache, f[0]);
    auto b = load(cache, f[1]);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(cache.get(f[0]));  // a is now more recent than b
    cache.upload_ready();

    REQUIRE(load(cache, f[2]));
    ImageCache::Stats s = cache.stats();
    CHECK(s.textures == 2);
    CHECK(s.gpu_bytes <= o.max_bytes);
    CHECK(s.evictions == 1);
    CHECK(glIsTexture(b->id) == GL_FALSE);  // b went, not a
    CHECK(cache.get(f[0]));
    cache.upload_ready();

    REQUIRE(load(cache, f[3]));  // c goes
    CHECK(cache.stats().gpu_bytes <= o.max_bytes);
    REQUIRE(load(cache, f[4]));  // a goes
    s = cache.stats();
    CHECK(s.textures == 2);
    CHECK(s.gpu_bytes <= o.max_bytes);
    CHECK(s.evictions == 3);
    CHECK(s.decodes == 5);
    CHECK(glIsTexture(a->id) == GL_FALSE);

    // The most recent survive; an evicted one is decoded again when asked.
    CHECK(cache.get(f[4]));
    CHECK(cache.get(f[3]));
    CHECK(cache.get(f[1]) == nullptr);
    REQUIRE(load(cache, f[1]));
    CHECK(cache.stats().decodes == 6);
    CHECK(logs.empty());
}

TEST_CASE_FIXTURE(Fixture, "what was asked for this frame is never evicted, even over budget") {
    fs::path a = write_jpeg(dir / "a.jpg", 480, 270, 1);
    fs::path b = write_jpeg(dir / "b.jpg", 480, 270, 2);
    ImageCache::Options o = options();
    o.max_bytes = kThumbBytes + kThumbBytes / 2;  // room for one
    ImageCache cache(o);

    // Both on screen in every frame: both stay, over the budget.
    const ImageCache::Texture *ta = nullptr, *tb = nullptr;
    REQUIRE(eventually([&] {
        ta = cache.get(a);
        tb = cache.get(b);
        if (ta && tb) return true;
        cache.upload_ready();
        return false;
    }));
    cache.upload_ready();
    CHECK(cache.stats().textures == 2);
    CHECK(cache.stats().gpu_bytes == 2 * kThumbBytes);
    CHECK(cache.stats().evictions == 0);

    // Then only b: a goes at the end of that frame.
    CHECK(cache.get(b));
    cache.upload_ready();
    CHECK(cache.stats().textures == 1);
    CHECK(cache.stats().gpu_bytes <= o.max_bytes);
    CHECK(cache.stats().evictions == 1);
    CHECK(cache.get(b));
}

TEST_CASE_FIXTURE(Fixture, "missing, corrupt and oversized files fail once, quietly and for good") {
    fs::path missing = dir / "missing.jpg";
    fs::path corrupt = dir / "corrupt.jpg";
    std::mt19937 rng(7);
    std::string noise = "\xff\xd8\xff\xe0";  // a JPEG's first bytes, then noise
    for (int i = 0; i < 5000; ++i) noise += static_cast<char>(rng());
    write_file(corrupt, noise);
    // A PNG header declaring 8000x8000: small enough for stb, too large for a kiosk.
    fs::path huge = dir / "huge.png";
    write_file(huge, std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x1f\x40\0\0\x1f\x40\x08\x06\0\0\0\0\0\0\0", 33));
    fs::path good = write_jpeg(dir / "good.jpg", 480, 270);
    ImageCache cache(options());

    cache.get(corrupt, 320);  // two widths of one broken file: still one message
    for (const fs::path& f : {missing, corrupt, huge}) {
        CAPTURE(f);
        CHECK_FALSE(load(cache, f));
        CHECK(cache.failed(f));
    }
    REQUIRE(eventually([&] {
        cache.upload_ready();
        ImageCache::Stats s = cache.stats();
        return s.queued + s.decoding + s.ready == 0;
    }));
    REQUIRE(logs.size() == 3);
    // in the order the decoders finish them, which is not the order asked
    auto logged = [&](const std::string& text) {
        return std::count_if(logs.begin(), logs.end(),
                             [&](const std::string& l) { return l.find(text) != std::string::npos; });
    };
    CHECK(logged("missing.jpg: cannot open (No such file or directory)") == 1);
    CHECK(logged("corrupt.jpg: cannot decode") == 1);
    CHECK(logged("huge.png: too large (8000x8000)") == 1);
    ImageCache::Stats s = cache.stats();
    CHECK(s.failures == 3);
    CHECK(s.decodes == 0);
    CHECK(s.textures == 0);

    // Asked for in every frame, at any width: nothing is queued or logged again.
    cache.pause_decoding(true);
    for (int frame = 0; frame < 100; ++frame) {
        for (const fs::path& f : {missing, corrupt, huge}) {
            CHECK(cache.get(f) == nullptr);
            CHECK(cache.get(f, 320) == nullptr);
        }
        cache.upload_ready();
    }
    CHECK(cache.stats().queued == 0);
    cache.pause_decoding(false);
    cache.upload_ready();
    CHECK(logs.size() == 3);
    CHECK(cache.stats().failures == 3);

    // The cache still works.
    REQUIRE(load(cache, good));
    CHECK_FALSE(cache.failed(good));
}

TEST_CASE_FIXTURE(Fixture, "get() never waits: it queues and returns") {
    fs::path big = write_jpeg(dir / "big.jpg", 1280, 720);
    ImageCache cache(options());
    cache.pause_decoding(true);  // holds the decoder, so the queue cannot move under the test

    CHECK(cache.get(big) == nullptr);
    ImageCache::Stats s = cache.stats();
    CHECK(s.queued == 1);
    CHECK(s.decodes == 0);

    // A thousand more images (the same file at a thousand widths).
    auto start = Clock::now();
    int textures = 0;
    for (int w = 1; w <= 1000; ++w) textures += cache.get(big, w) != nullptr;
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
    MESSAGE("1000 get() calls on queued images: " << us << " us");
    CHECK(textures == 0);
    s = cache.stats();
    CHECK(s.queued == 1001);
    CHECK(s.decodes == 0);

    cache.clear();
    CHECK(cache.stats().queued == 0);
    cache.pause_decoding(false);
    REQUIRE(load(cache, big));
    CHECK(cache.stats().decodes == 1);
}

TEST_CASE_FIXTURE(Fixture, "the image asked for most recently is decoded first") {
    fs::path a = write_jpeg(dir / "a.jpg", 480, 270, 1);
    fs::path b = write_jpeg(dir / "b.jpg", 480, 270, 2);
    fs::path c = write_jpeg(dir / "c.jpg", 480, 270, 3);
    ImageCache cache(options());  // one decoder: a strict order
    cache.pause_decoding(true);
    cache.get(a);
    cache.get(b);
    cache.get(c);
    cache.get(a);  // a is on screen again: it goes first, then c, then b
    cache.pause_decoding(false);
    REQUIRE(eventually([&] { return cache.stats().ready == 3; }));

    cache.upload_ready(1);  // uploads in decode order
    CHECK(cache.get(a));
    CHECK(cache.get(c) == nullptr);
    CHECK(cache.get(b) == nullptr);
    cache.upload_ready(1);
    CHECK(cache.get(c));
    CHECK(cache.get(b) == nullptr);
    cache.upload_ready(1);
    CHECK(cache.get(b));
}

TEST_CASE_FIXTURE(Fixture, "the decoded queue is bounded") {
    std::vector<fs::path> f;
    for (int i = 0; i < 6; ++i) f.push_back(write_jpeg(dir / (std::to_string(i) + ".jpg"), 480, 270, i));
    ImageCache::Options o = options();
    o.max_ready_bytes = 2 * kThumbBytes;
    ImageCache cache(o);
    for (const auto& p : f) cache.get(p);

    // Without upload_ready() the decoder stops at the bound.
    REQUIRE(eventually([&] { return cache.stats().ready == 2; }));
    std::this_thread::sleep_for(100ms);
    CHECK(cache.stats().ready == 2);
    CHECK(cache.stats().queued == 4);

    // Each frame makes room again.
    REQUIRE(eventually([&] {
        cache.upload_ready(1);
        return cache.stats().textures == 6;
    }));
}

TEST_CASE_FIXTURE(Fixture, "clear() forgets everything, including a decode in progress") {
    fs::path thumb = write_jpeg(dir / "thumb.jpg", 480, 270);
    fs::path changing = write_jpeg(dir / "changing.jpg", 1280, 720);
    ImageCache cache(options());

    auto t = load(cache, thumb);
    REQUIRE(t);
    CHECK_FALSE(load(cache, dir / "missing.jpg"));
    REQUIRE(cache.failed(dir / "missing.jpg"));

    // Once the decoder has taken `changing`, clear() and replace the file
    // (as a pack switch does): the old pixels must never show up.
    cache.get(changing);
    REQUIRE(eventually([&] { return cache.stats().queued == 0; }));
    cache.clear();
    write_jpeg(dir / "next.jpg", 640, 360);
    fs::rename(dir / "next.jpg", changing);

    ImageCache::Stats s = cache.stats();
    CHECK(s.textures == 0);
    CHECK(s.gpu_bytes == 0);
    CHECK(s.queued == 0);
    CHECK(s.ready == 0);
    CHECK(glIsTexture(t->id) == GL_FALSE);
    CHECK_FALSE(cache.failed(dir / "missing.jpg"));

    auto now = load(cache, changing);
    REQUIRE(now);
    CHECK(now->width == 640);
    CHECK(now->height == 360);
    REQUIRE(load(cache, thumb));  // decoded again
}

TEST_CASE_FIXTURE(Fixture, "the destructor stops the decoders with requests pending") {
    fs::path thumb = write_jpeg(dir / "thumb.jpg", 480, 270);
    fs::path big = write_jpeg(dir / "big.jpg", 1280, 720);
    auto wakes = std::make_shared<std::atomic<int>>(0);
    ImageCache::Options o = options();
    o.decode_threads = 2;
    o.wake = [wakes] { ++*wakes; };
    auto cache = std::make_unique<ImageCache>(o);

    auto t = load(*cache, thumb);
    REQUIRE(t);
    cache->pause_decoding(true);
    for (int i = 1; i <= 40; ++i) cache->get(big, i * 16);
    CHECK(cache->stats().queued == 40);
    cache->pause_decoding(false);  // both decoders busy as the destructor runs

    std::atomic<bool> done{false};
    std::thread watchdog([&] {
        for (auto until = Clock::now() + 10s; !done && Clock::now() < until;) std::this_thread::sleep_for(10ms);
        if (!done) {
            std::fputs("test_images: ~ImageCache did not return within 10 s\n", stderr);
            std::_Exit(1);
        }
    });
    cache.reset();
    done = true;
    watchdog.join();

    // No decoder is left to call back, and the textures are gone.
    int after = *wakes;
    std::this_thread::sleep_for(50ms);
    CHECK(*wakes == after);
    CHECK(glIsTexture(t->id) == GL_FALSE);
}

TEST_CASE("a call off the UI thread aborts") {
    // The cache's UI thread is `owner`; a forked child then calls it from its
    // only thread, the main one. (No thread is started after the fork: the
    // thread sanitizer does not support that.)
    std::unique_ptr<ImageCache> cache;  // no texture: needs no GL context
    std::promise<void> made, finished;
    std::thread owner([&] {
        cache = std::make_unique<ImageCache>();
        made.set_value();
        finished.get_future().wait();
        cache.reset();
    });
    made.get_future().wait();

    int err[2];
    REQUIRE(::pipe(err) == 0);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(err[1], 2);
        ::signal(SIGABRT, SIG_DFL);  // not doctest's crash report
        rlimit no_core{0, 0};
        ::setrlimit(RLIMIT_CORE, &no_core);
        (void)cache->stats();
        ::_exit(0);
    }
    ::close(err[1]);
    std::string message;
    char buf[256];
    for (ssize_t n; pid > 0 && (n = ::read(err[0], buf, sizeof buf)) > 0;) message.append(buf, std::size_t(n));
    ::close(err[0]);
    int status = 0;
    bool reaped = pid > 0 && ::waitpid(pid, &status, 0) == pid;
    finished.set_value();
    owner.join();

    REQUIRE(reaped);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGABRT);
    CHECK(message.find("ImageCache::stats called off the UI thread") != std::string::npos);
}
