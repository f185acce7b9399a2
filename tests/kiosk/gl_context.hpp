// A headless OpenGL ES 3 context for tests that render: SDL's offscreen video
// driver with Mesa (llvmpipe when there is no GPU), so the suites run on a
// build machine with no display. It must never open a visible window or
// depend on the display of the machine that runs the tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct SDL_Window;

namespace vitrine::test {

class GlContext {
public:
    // Sets SDL_VIDEODRIVER=offscreen (overriding the environment: a test must
    // not depend on who runs it), initialises SDL video and makes a GLES 3.0
    // context current on the calling thread. Throws std::runtime_error with
    // SDL's message when any of it fails.
    explicit GlContext(int width = 64, int height = 64);
    ~GlContext();
    GlContext(const GlContext&) = delete;
    GlContext& operator=(const GlContext&) = delete;

    // "OpenGL ES 3.2 Mesa ..." and the like, for test logs.
    std::string version() const;

    // The pixels of a GL_RGBA8 texture, RGBA, rows in the texture's own
    // order (row 0 first), read back through a temporary framebuffer.
    // Empty when the texture cannot be read.
    std::vector<std::uint8_t> read_texture(unsigned texture, int width, int height) const;

    // The window's back buffer (what the next swap shows), RGBA, rows
    // bottom-up as GL reads them. The window is width x height.
    std::vector<std::uint8_t> read_screen() const;
    int width() const { return width_; }
    int height() const { return height_; }

    // Swaps the window's buffers, as the kiosk does after every frame.
    void swap() const;

private:
    SDL_Window* window_ = nullptr;
    void* context_ = nullptr;
    int width_ = 0, height_ = 0;
};

}  // namespace vitrine::test
