// The staff's screens: the PIN pad, and the staff screen (the device's state
// at a glance, and what staff can do: sync, install or roll back a pack,
// export the records to a USB stick, change the event id, the default
// language and the films' volume, restart the app). The state of staff mode
// lives in StaffMode; this draws it and turns taps into calls. Disk, network
// and SQLite are read by the StaffProbe's thread, once a second while the
// screen shows; the export runs on a worker.
#pragma once
#include "content/store.hpp"
#include "content/watcher.hpp"
#include "kiosk/config.hpp"
#include "kiosk/local_settings.hpp"
#include "kiosk/log.hpp"
#include "kiosk/staff.hpp"
#include "kiosk/staff_probe.hpp"
#include "kiosk/ui/screens.hpp"
#include "kiosk/usb_export.hpp"
#include "platform/outbox.hpp"
#include "platform/status.hpp"
#include "platform/sync_worker.hpp"

#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <vector>

namespace vitrine::ui {

// What the staff screen reads and acts through, for one frame; the kiosk
// owns all of it.
struct StaffContext {
    const Config& config;
    const Clock& clock;
    platform::Outbox* outbox;     // null when it cannot be opened
    platform::SyncWorker* sync;   // null when no platform is configured
    StaffProbe& probe;            // what the status and export pages show
    content::PackWatcher& watcher;
    content::PackStore& store;
    // What staff changed on screen, over the config: the values in use now.
    std::string event, default_language;
    int volume = 0;
    // Saves the change (settings.json) and applies it at once; "" when done,
    // else what went wrong, for the staff to read.
    std::function<std::string(const LocalSettings& change)> change;
    std::function<void()> sync_now;
    std::function<void()> leave;
    std::function<void()> restart;  // the app ends with exit status 75; systemd starts it again
};

class StaffScreen {
public:
    void draw_pad(Frame& f, StaffMode& staff);
    void draw(Frame& f, StaffContext& c);
    // Staff mode opens: the status page, read afresh; nothing of a former
    // visit to the screen (a half-typed event id, an old message) remains.
    void forget();

private:
    enum class Page { Status, Packs, Export, Settings };
    void top_bar(Frame& f, StaffContext& c);
    void status_page(Frame& f, StaffContext& c);
    void packs_page(Frame& f, StaffContext& c);
    void export_page(Frame& f, StaffContext& c);
    void settings_page(Frame& f, StaffContext& c);
    void event_editor(Frame& f, StaffContext& c);
    void refresh(StaffContext& c);

    Page page_ = Page::Status;

    // The device as the probe last saw it (null until its first snapshot).
    std::shared_ptr<const StaffSnapshot> snap_;
    bool refresh_ = false;  // a new snapshot at once: an action changed something
    bool forget_ = false;   // staff mode opened: the last snapshot is stale

    // The export under way, and how the last one went.
    std::future<ExportResult> export_;
    std::string export_stick_;
    std::optional<ExportResult> exported_;
    std::string export_error_;

    // Settings.
    bool editing_event_ = false;
    std::string event_draft_;
    bool shift_ = false;
    std::string settings_error_;
};

// On the visitor's screens, while the watcher installs a pack found on a
// stick by itself: a small badge in the bottom-left corner with its
// progress. Taps go through it; the pack shows when the attract loop comes
// back.
void install_badge(Frame& f, const content::WatcherStatus& status);

}  // namespace vitrine::ui
