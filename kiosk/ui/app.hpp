// The kiosk application: the window, the GL ES 3 context, the frame loop,
// and the wiring between the session, the screens, the video player, the
// image cache and the USB pack watcher. Everything here runs on the UI
// thread; workers (watcher, image decoding) only post snapshots.
#pragma once
#include "kiosk/config.hpp"
#include "kiosk/ui/script.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vitrine::ui {

struct AppOptions {
    int width = 0, height = 0;  // 0: the display's size, fullscreen
    bool portrait = false;      // 1080x1920 layout when windowed without a size
    bool headless = false;      // SDL's offscreen driver: no display needed
    std::vector<Step> script;   // run, then exit
    std::string script_source;
    std::filesystem::path shots_dir;  // where `shot` writes relative paths
    std::filesystem::path assets_dir;  // i18n/ lives here
};

// Runs the kiosk until it is closed or the script ends. Returns the exit
// code: 0, 1 when a script step fails or the kiosk cannot start, or 75
// when staff asked for a restart (the service manager starts it again).
int run_app(const Config& config, const AppOptions& options);

// Where the UI translation catalogs are: next to the executable in a build
// tree or a package, or the source tree's assets/.
std::filesystem::path default_assets_dir();

}  // namespace vitrine::ui
