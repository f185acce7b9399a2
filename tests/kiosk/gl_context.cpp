#include "gl_context.hpp"

#include <SDL.h>
#include <GLES3/gl3.h>

#include <cstdlib>
#include <stdexcept>

namespace vitrine::test {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + SDL_GetError()); }

// GL entry points come from SDL, like the kiosk's, so the tests need no link
// to a particular GL library and work with whatever context SDL made.
template <typename F>
F gl(const char* name) {
    void* p = SDL_GL_GetProcAddress(name);
    if (!p) throw std::runtime_error(std::string("GL function missing: ") + name);
    return reinterpret_cast<F>(p);
}

}  // namespace

GlContext::GlContext(int width, int height) : width_(width), height_(height) {
    ::setenv("SDL_VIDEODRIVER", "offscreen", 1);
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) fail("SDL_Init");
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_ES);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
    window_ = SDL_CreateWindow("vitrine test", 0, 0, width, height, SDL_WINDOW_OPENGL | SDL_WINDOW_HIDDEN);
    if (!window_) {
        SDL_Quit();
        fail("SDL_CreateWindow");
    }
    context_ = SDL_GL_CreateContext(window_);
    if (!context_) {
        SDL_DestroyWindow(window_);
        SDL_Quit();
        fail("SDL_GL_CreateContext");
    }
}

GlContext::~GlContext() {
    SDL_GL_DeleteContext(context_);
    SDL_DestroyWindow(window_);
    SDL_Quit();
}

std::string GlContext::version() const {
    auto get_string = gl<decltype(&glGetString)>("glGetString");
    const auto* v = get_string(GL_VERSION);
    return v ? reinterpret_cast<const char*>(v) : "";
}

std::vector<std::uint8_t> GlContext::read_texture(unsigned texture, int width, int height) const {
    if (texture == 0 || width <= 0 || height <= 0) return {};
    auto gen = gl<decltype(&glGenFramebuffers)>("glGenFramebuffers");
    auto bind = gl<decltype(&glBindFramebuffer)>("glBindFramebuffer");
    auto attach = gl<decltype(&glFramebufferTexture2D)>("glFramebufferTexture2D");
    auto status = gl<decltype(&glCheckFramebufferStatus)>("glCheckFramebufferStatus");
    auto read = gl<decltype(&glReadPixels)>("glReadPixels");
    auto del = gl<decltype(&glDeleteFramebuffers)>("glDeleteFramebuffers");
    auto get_int = gl<decltype(&glGetIntegerv)>("glGetIntegerv");
    auto pixel_store = gl<decltype(&glPixelStorei)>("glPixelStorei");

    GLint previous = 0;
    get_int(GL_FRAMEBUFFER_BINDING, &previous);
    GLuint fbo = 0;
    gen(1, &fbo);
    bind(GL_FRAMEBUFFER, fbo);
    attach(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture, 0);
    std::vector<std::uint8_t> pixels;
    if (status(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE) {
        pixels.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4);
        pixel_store(GL_PACK_ALIGNMENT, 1);
        read(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    }
    bind(GL_FRAMEBUFFER, static_cast<GLuint>(previous));
    del(1, &fbo);
    return pixels;
}

std::vector<std::uint8_t> GlContext::read_screen() const {
    auto bind = gl<decltype(&glBindFramebuffer)>("glBindFramebuffer");
    auto read = gl<decltype(&glReadPixels)>("glReadPixels");
    auto pixel_store = gl<decltype(&glPixelStorei)>("glPixelStorei");
    bind(GL_FRAMEBUFFER, 0);
    std::vector<std::uint8_t> pixels(static_cast<std::size_t>(width_) * static_cast<std::size_t>(height_) * 4);
    pixel_store(GL_PACK_ALIGNMENT, 1);
    read(0, 0, width_, height_, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    return pixels;
}

void GlContext::swap() const { SDL_GL_SwapWindow(window_); }

}  // namespace vitrine::test
