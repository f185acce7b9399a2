// The visitor session: which screen, which filters, which showcase, which
// language, and the idle timers. Plain C++ over the pack's manifest: the
// screens draw from it and call its methods, tests drive it with no
// rendering. It never touches SDL, ImGui or mpv.
#pragma once
#include "content/catalogue.hpp"
#include "kiosk/interest.hpp"
#include "platform/clock.hpp"
#include "platform/stats.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace vitrine {

enum class Screen { Attract, Grid, Showcase, Interest };
const char* screen_name(Screen s);

struct SessionOptions {
    std::string default_language = "fr";
    std::chrono::seconds idle_timeout{60};  // then "still there?"
    std::chrono::seconds countdown{15};     // then the session is reset
};

// What a session reports to and writes through; all optional.
struct SessionServices {
    InterestOptions interest;
    RecordSink commit;                         // the outbox; none: every confirm fails
    platform::StatsCollector* stats = nullptr;
};

class Session {
public:
    Session(SessionOptions options, std::shared_ptr<const content::LoadedPack> pack, const Clock& clock,
            SessionServices services = {});

    // Visitor actions; each one is activity that restarts the idle timer.
    void touch();  // any touch: leaves the attract loop, dismisses "still there?"
    void input();  // a finger on the screen, wherever: only restarts the idle timer
    void open(const std::string& showcase_id);
    void next();      // next showcase of the filtered list, wrapping
    void previous();  // previous one, wrapping
    void back();      // showcase -> grid
    void set_language(const std::string& lang);
    void toggle_sector(const std::string& id);
    void toggle_city(const std::string& id);
    void clear_filters();
    // A showcase video playing counts as activity: nobody touches a screen
    // while watching.
    void set_watching(bool watching);

    // The CV interest flow: from the grid or a showcase; back out returns
    // there; done ends the visit (everything is forgotten).
    bool interest_offered() const { return interest_.available(manifest()); }
    void start_interest();
    void interest_back();
    void interest_done();
    InterestFlow& interest() { return interest_; }
    const InterestFlow& interest() const { return interest_; }

    // Time passing: shows "still there?" after the idle timeout, resets the
    // session after the countdown. Call once per frame.
    void tick();

    // A new pack waits here until the kiosk is back on the attract loop:
    // never under a visitor's finger.
    void offer_pack(std::shared_ptr<const content::LoadedPack> pack);
    bool pack_pending() const { return pending_ != nullptr; }

    // Staff mode opens or closes, or the screen goes dark: the visit ends
    // as an idle reset ends it (everything forgotten, the attract loop).
    void end_visit() { reset(); }
    // Staff chose another default language: it is the language of every
    // visit from the next reset on.
    void set_default_language(const std::string& lang) { options_.default_language = lang; }
    const std::string& default_language() const { return options_.default_language; }

    Screen screen() const { return screen_; }
    const std::string& language() const { return language_; }
    const content::Filter& filter() const { return filter_; }
    const std::vector<const content::Showcase*>& visible() const { return visible_; }
    const content::Showcase* current() const;  // on the Showcase screen
    int current_index() const { return index_; }
    bool still_there() const { return still_there_; }
    int countdown_left_s() const;
    const content::LoadedPack& pack() const { return *pack_; }
    const content::Manifest& manifest() const { return pack_->manifest; }
    // The text of `t` in the visitor's language, with the pack's fallback.
    const std::string& text(const content::Localized& t) const { return manifest().text(t, language_); }
    // Grows with every reset: the screens forget their scroll positions.
    std::uint64_t generation() const { return generation_; }

private:
    void activity();
    void reset();
    void refilter();
    void view(const content::Showcase* s);


    SessionOptions options_;
    std::shared_ptr<const content::LoadedPack> pack_, pending_;
    const Clock& clock_;
    Screen screen_ = Screen::Attract;
    std::string language_;
    content::Filter filter_;
    std::vector<const content::Showcase*> visible_;
    std::string current_id_;
    int index_ = -1;
    bool watching_ = false;
    bool still_there_ = false;
    Clock::time_point last_activity_;
    std::uint64_t generation_ = 0;
    SessionServices services_;
    InterestFlow interest_;
    Screen interest_from_ = Screen::Grid;
};

}  // namespace vitrine
