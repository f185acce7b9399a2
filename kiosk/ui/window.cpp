#include "kiosk/ui/window.hpp"

#include <backends/imgui_impl_opengl3.h>
#include <backends/imgui_impl_sdl.h>
#include <imgui.h>

#include <stdexcept>

namespace vitrine::ui {

Window::Window(const Options& options) {
    if (options.headless) SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
    SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "0");  // fingers are handled as fingers
    SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0)
        throw std::runtime_error(std::string("cannot start the display: ") + SDL_GetError());
    try {
        SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_ES);
        SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
        SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
        SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
        Uint32 flags = SDL_WINDOW_OPENGL | SDL_WINDOW_ALLOW_HIGHDPI;
        int w = options.width, h = options.height;
        if (w == 0 || h == 0) {
            SDL_DisplayMode mode;
            if (!options.headless && SDL_GetDesktopDisplayMode(0, &mode) == 0 && mode.w > 0) {
                w = mode.w;
                h = mode.h;
                flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
            } else {
                w = options.portrait ? 1080 : 1920;
                h = options.portrait ? 1920 : 1080;
            }
        }
        window_ = SDL_CreateWindow("Vitrine", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h, flags);
        if (!window_) throw std::runtime_error(std::string("cannot open the window: ") + SDL_GetError());
        gl_ = SDL_GL_CreateContext(window_);
        if (!gl_) throw std::runtime_error(std::string("cannot create an OpenGL ES 3 context: ") + SDL_GetError());
        SDL_GL_MakeCurrent(window_, gl_);
        SDL_GL_SetSwapInterval(1);
        SDL_GL_GetDrawableSize(window_, &width_, &height_);
        SDL_ShowCursor(SDL_DISABLE);

        IMGUI_CHECKVERSION();
        ImGui::CreateContext();
        imgui_ = true;
        ImGui_ImplSDL2_InitForOpenGL(window_, gl_);
        ImGui_ImplOpenGL3_Init("#version 300 es");
    } catch (...) {
        close();
        throw;
    }
}

Window::~Window() { close(); }

void Window::close() {
    if (imgui_) {
        ImGui_ImplOpenGL3_Shutdown();
        ImGui_ImplSDL2_Shutdown();
        ImGui::DestroyContext();
        imgui_ = false;
    }
    if (gl_) SDL_GL_DeleteContext(gl_);
    if (window_) SDL_DestroyWindow(window_);
    gl_ = nullptr;
    window_ = nullptr;
    SDL_Quit();
}

void Window::handle(const SDL_Event& e) { ImGui_ImplSDL2_ProcessEvent(&e); }

void Window::new_frame() {
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplSDL2_NewFrame();
}

void Window::render() { ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData()); }

void Window::swap() { SDL_GL_SwapWindow(window_); }

}  // namespace vitrine::ui
