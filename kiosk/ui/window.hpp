// The kiosk's window: SDL, the window (fullscreen on the display, or a
// size of the script's), its OpenGL ES 3 context, and Dear ImGui with its
// SDL and GL backends. Made and torn down on the UI thread, which alone may
// use it.
#pragma once
#include <SDL2/SDL.h>

#include <string>

namespace vitrine::ui {

class Window {
public:
    struct Options {
        int width = 0, height = 0;  // 0: the display's size, fullscreen
        bool portrait = false;      // 1080x1920 when windowed without a size
        bool headless = false;      // SDL's offscreen driver
    };
    // Throws std::runtime_error saying what could not be started, with
    // SDL's reason; what was made is torn down again.
    explicit Window(const Options& options);
    ~Window();
    Window(const Window&) = delete;
    Window& operator=(const Window&) = delete;

    int width() const { return width_; }   // drawable pixels
    int height() const { return height_; }
    std::string driver() const { return SDL_GetCurrentVideoDriver(); }

    void handle(const SDL_Event& e);  // an event for ImGui (keys, text, the window)
    void new_frame();                 // ImGui's backends, before ImGui::NewFrame()
    void render();     // ImGui's draw data, after ImGui::Render()
    void swap();

private:
    void close();

    SDL_Window* window_ = nullptr;
    SDL_GLContext gl_ = nullptr;
    int width_ = 0, height_ = 0;
    bool imgui_ = false;
};

}  // namespace vitrine::ui
