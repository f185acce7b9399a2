#include "kiosk/interest.hpp"

#include <nlohmann/json.hpp>
#include <sodium.h>

namespace vitrine {
namespace {

void wipe(std::string& s) {
    if (!s.empty()) sodium_memzero(s.data(), s.size());
    s.clear();
}

}  // namespace

InterestFlow::InterestFlow(InterestOptions options, const Clock& clock, RecordSink sink,
                           platform::StatsCollector* stats)
    : options_(std::move(options)), clock_(clock), sink_(std::move(sink)), stats_(stats) {}

InterestFlow::~InterestFlow() { wipe_clear_text(); }

std::string InterestFlow::url_template(const content::Manifest& m) const {
    if (!options_.qr_url.empty()) return options_.qr_url;
    return m.interest ? m.interest->qr_url : std::string();
}

void InterestFlow::start(const content::Manifest& m, const std::string& from_showcase) {
    if (active()) end();
    if (!available(m)) return;
    manifest_ = &m;
    step_ = Step::Question;
    question_ = 0;
    // Room enough that typing never moves the text and leaves a copy behind.
    for (std::string* s : {&name_, &email_, &badge_, &keys_}) s->reserve(256);
    if (stats_) stats_->flow_started(from_showcase);
}

void InterestFlow::answer(const std::string& option_id) {
    if (!active() || step_ != Step::Question) return;
    const auto& q = interest().questions.at(static_cast<std::size_t>(question_));
    bool known = false;
    for (const auto& o : q.options) known = known || o.id == option_id;
    if (!known) return;
    answers_[q.id] = option_id;
    if (question_ + 1 < static_cast<int>(interest().questions.size()))
        ++question_;
    else
        after_questions();
}

void InterestFlow::after_questions() { step_ = contact_offered() ? Step::Contact : Step::Consent; }

bool InterestFlow::back() {
    if (!active()) return false;
    switch (step_) {
    case Step::Question:
        if (question_ == 0) {
            end();
            return false;
        }
        --question_;
        return true;
    case Step::Contact:
        wipe_clear_text();
        step_ = Step::Question;
        question_ = static_cast<int>(interest().questions.size()) - 1;
        return true;
    case Step::Consent:
        // What was sealed cannot be shown again: the visitor types it anew.
        sealed_.reset();
        if (contact_offered()) {
            step_ = Step::Contact;
        } else {
            step_ = Step::Question;
            question_ = static_cast<int>(interest().questions.size()) - 1;
        }
        return true;
    case Step::Qr:
    case Step::Failed: end(); return false;
    }
    return false;
}

std::string* InterestFlow::typing_into() {
    if (!active() || step_ != Step::Contact) return nullptr;
    return focus_ == Field::Name ? &name_ : &email_;
}

void InterestFlow::type(std::string_view text) {
    if (std::string* s = typing_into()) s->append(text);
}

void InterestFlow::backspace() {
    std::string* s = typing_into();
    if (!s) return;
    // Back over UTF-8 continuation bytes: "é" goes as one key.
    while (!s->empty() && (static_cast<unsigned char>(s->back()) & 0xC0) == 0x80) s->pop_back();
    if (!s->empty()) s->pop_back();
}

void InterestFlow::clear_field() {
    if (std::string* s = typing_into()) wipe(*s);
}

void InterestFlow::key_text(std::string_view text) {
    if (!active() || step_ != Step::Contact) return;
    keys_.append(text);
    keys_at_ = clock_.now();
}

void InterestFlow::key_enter() {
    if (!active() || step_ != Step::Contact || keys_.empty()) return;
    wipe(badge_);
    badge_ = keys_;
    wipe(keys_);
}

void InterestFlow::tick() {
    if (keys_.empty() || clock_.now() - keys_at_ < options_.scanner_burst) return;
    if (std::string* s = typing_into()) s->append(keys_);
    wipe(keys_);
}

void InterestFlow::contact_done() {
    if (!active() || step_ != Step::Contact) return;
    tick();
    sealed_.reset();
    if (options_.seal_key && (!name_.empty() || !email_.empty() || !badge_.empty())) {
        nlohmann::json clear = nlohmann::json::object();
        if (!name_.empty()) clear["name"] = name_;
        if (!email_.empty()) clear["email"] = email_;
        if (!badge_.empty()) clear["badge"] = badge_;
        std::string text = clear.dump();
        sealed_ = platform::seal(*options_.seal_key, text);
        wipe(text);
        for (auto& [key, value] : clear.items()) wipe(value.get_ref<std::string&>());
    }
    wipe_clear_text();
    step_ = Step::Consent;
}

void InterestFlow::confirm(const std::string& pack_id, std::int64_t pack_version, const std::string& language) {
    if (!active() || step_ != Step::Consent) return;
    platform::RecordContext ctx{options_.device_id, options_.event, pack_id, pack_version};
    nlohmann::json payload = {
        {"answers", answers_},
        {"consent",
         {{"contact", consent_contact_}, {"share_cv", consent_cv_}, {"notice_version", interest().notice.version}}},
    };
    std::map<std::string, platform::Bytes> sealed;
    // No consent to be contacted, no personal data in the record.
    if (consent_contact_ && sealed_) sealed["contact"] = *sealed_;
    sealed_.reset();
    platform::Record r = platform::make_interest(ctx, clock_.wall(), language, std::move(payload), std::move(sealed));
    try {
        sink_(r);
    } catch (const std::exception& e) {
        failure_ = e.what();
        step_ = Step::Failed;
        return;
    }
    token_ = r.token;
    record_id_ = r.id;
    qr_text_ = platform::expand_qr_url(url_template(*manifest_), r.token, options_.event);
    step_ = Step::Qr;
    if (stats_) stats_->qr_shown();
}

void InterestFlow::end() {
    if (!active()) return;
    if (stats_) {
        if (step_ == Step::Qr)
            stats_->flow_completed();
        else
            stats_->flow_abandoned();
    }
    manifest_ = nullptr;
    step_ = Step::Question;
    question_ = 0;
    answers_.clear();
    focus_ = Field::Name;
    wipe_clear_text();
    sealed_.reset();
    consent_contact_ = consent_cv_ = false;
    token_.clear();
    qr_text_.clear();
    record_id_.clear();
    failure_.clear();
}

void InterestFlow::wipe_clear_text() {
    wipe(name_);
    wipe(email_);
    wipe(badge_);
    wipe(keys_);
}

}  // namespace vitrine
