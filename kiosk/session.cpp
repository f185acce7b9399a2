#include "kiosk/session.hpp"

#include <algorithm>
#include <stdexcept>

namespace vitrine {

const char* screen_name(Screen s) {
    switch (s) {
    case Screen::Attract: return "attract";
    case Screen::Grid: return "grid";
    case Screen::Showcase: return "showcase";
    case Screen::Interest: return "interest";
    }
    return "?";
}

Session::Session(SessionOptions options, std::shared_ptr<const content::LoadedPack> pack, const Clock& clock,
                 SessionServices services)
    : options_(std::move(options)), pack_(std::move(pack)), clock_(clock), language_(options_.default_language),
      last_activity_(clock.now()), services_(std::move(services)),
      interest_(services_.interest, clock,
                services_.commit ? services_.commit
                                 : RecordSink([](const platform::Record&) {
                                       throw std::runtime_error("no outbox to save records in");
                                   }),
                services_.stats) {
    refilter();
}

void Session::activity() {
    last_activity_ = clock_.now();
    still_there_ = false;
}

void Session::touch() {
    activity();
    if (screen_ == Screen::Attract) screen_ = Screen::Grid;
}

void Session::input() { activity(); }

void Session::open(const std::string& showcase_id) {
    activity();
    for (std::size_t i = 0; i < visible_.size(); ++i)
        if (visible_[i]->id == showcase_id) {
            screen_ = Screen::Showcase;
            current_id_ = showcase_id;
            index_ = static_cast<int>(i);
            view(visible_[i]);
            return;
        }
}

void Session::next() {
    activity();
    if (screen_ != Screen::Showcase || visible_.empty()) return;
    index_ = (index_ + 1) % static_cast<int>(visible_.size());
    current_id_ = visible_[static_cast<std::size_t>(index_)]->id;
    view(current());
}

void Session::previous() {
    activity();
    if (screen_ != Screen::Showcase || visible_.empty()) return;
    int n = static_cast<int>(visible_.size());
    index_ = (index_ - 1 + n) % n;
    current_id_ = visible_[static_cast<std::size_t>(index_)]->id;
    view(current());
}

void Session::back() {
    activity();
    if (screen_ == Screen::Showcase) {
        screen_ = Screen::Grid;
        view(nullptr);
    }
}

// Statistics: a showcase view lasts from its opening to whatever comes next.
void Session::view(const content::Showcase* s) {
    if (!services_.stats) return;
    services_.stats->showcase_closed();
    if (s) services_.stats->showcase_opened(s->id);
}

void Session::start_interest() {
    activity();
    if (screen_ != Screen::Grid && screen_ != Screen::Showcase) return;
    if (!interest_offered()) return;
    const content::Showcase* from = current();
    interest_from_ = screen_;
    view(nullptr);
    interest_.start(manifest(), from ? from->id : std::string());
    screen_ = Screen::Interest;
}

void Session::interest_back() {
    activity();
    if (screen_ != Screen::Interest) return;
    if (interest_.back()) return;
    screen_ = interest_from_;
    if (screen_ == Screen::Showcase) view(current());
}

void Session::interest_done() {
    if (screen_ != Screen::Interest) return;
    reset();
}

void Session::set_language(const std::string& lang) {
    activity();
    language_ = lang;
}

void Session::toggle_sector(const std::string& id) {
    activity();
    if (!filter_.sectors.erase(id)) filter_.sectors.insert(id);
    refilter();
}

void Session::toggle_city(const std::string& id) {
    activity();
    if (!filter_.cities.erase(id)) filter_.cities.insert(id);
    refilter();
}

void Session::clear_filters() {
    activity();
    filter_ = {};
    refilter();
}

void Session::set_watching(bool watching) {
    if (watching_ && !watching) activity();  // the idle time starts when the video stops
    watching_ = watching;
}

const content::Showcase* Session::current() const {
    if (screen_ != Screen::Showcase || index_ < 0 || index_ >= static_cast<int>(visible_.size())) return nullptr;
    return visible_[static_cast<std::size_t>(index_)];
}

int Session::countdown_left_s() const {
    if (!still_there_) return 0;
    auto end = last_activity_ + options_.idle_timeout + options_.countdown;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - clock_.now()).count();
    return static_cast<int>(std::max<long long>(0, (left + 999) / 1000));
}

void Session::tick() {
    if (screen_ == Screen::Attract) {
        if (pending_) reset();
        return;
    }
    if (watching_) {
        last_activity_ = clock_.now();
        return;
    }
    interest_.tick();
    auto idle = clock_.now() - last_activity_;
    if (idle >= options_.idle_timeout + options_.countdown)
        reset();
    else if (idle >= options_.idle_timeout)
        still_there_ = true;
}

void Session::offer_pack(std::shared_ptr<const content::LoadedPack> pack) {
    pending_ = std::move(pack);
    if (screen_ == Screen::Attract) reset();
}

void Session::reset() {
    view(nullptr);
    interest_.end();  // before the pack it points into may go
    if (pending_) pack_ = std::move(pending_);
    screen_ = Screen::Attract;
    language_ = options_.default_language;
    filter_ = {};
    current_id_.clear();
    index_ = -1;
    watching_ = false;
    still_there_ = false;
    last_activity_ = clock_.now();
    ++generation_;
    refilter();
}

void Session::refilter() {
    visible_ = content::filter_showcases(pack_->manifest, filter_);
    index_ = -1;
    for (std::size_t i = 0; i < visible_.size(); ++i)
        if (visible_[i]->id == current_id_) index_ = static_cast<int>(i);
    if (index_ < 0 && screen_ == Screen::Showcase) screen_ = Screen::Grid;
}

}  // namespace vitrine
