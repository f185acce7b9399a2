// The visitor's CV interest as plain state: the pack's questions answered
// with taps, optional contact details (only with a sealing key), the notice
// and two separate consents, then a record committed to the outbox and the
// QR code that hands the visitor over to the platform. No SDL, no ImGui.
//
// Personal data: typed characters live only in this object's buffers, which
// are wiped (sodium_memzero) when the visitor leaves the contact step, on
// "done" and on the idle reset. Leaving the contact step seals them to the
// platform's key; from then on only the sealed bytes exist.
#pragma once
#include "content/manifest.hpp"
#include "platform/clock.hpp"
#include "platform/record.hpp"
#include "platform/seal.hpp"
#include "platform/stats.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace vitrine {

struct InterestOptions {
    std::string device_id, event;
    std::optional<platform::SealKey> seal_key;  // none: no contact fields at all
    std::string qr_url;                         // the config's template; "" uses the pack's
    // A HID barcode scanner types its whole line and Enter faster than this;
    // text that stops coming for longer was typed by a person.
    std::chrono::milliseconds scanner_burst{250};
};

// Commits a record to the outbox; throws when it could not (then nothing
// was saved).
using RecordSink = std::function<void(const platform::Record&)>;

class InterestFlow {
public:
    enum class Step { Question, Contact, Consent, Qr, Failed };
    enum class Field { Name, Email };

    InterestFlow(InterestOptions options, const Clock& clock, RecordSink sink, platform::StatsCollector* stats);
    ~InterestFlow();
    InterestFlow(const InterestFlow&) = delete;
    InterestFlow& operator=(const InterestFlow&) = delete;

    // The QR URL template for this pack: the config's, else the pack's; ""
    // when neither has one (then the kiosk offers no call to action).
    std::string url_template(const content::Manifest& m) const;
    bool available(const content::Manifest& m) const { return m.interest && !url_template(m).empty(); }
    // Staff changed the event id: the records made from now on carry it.
    void set_event(std::string event) { options_.event = std::move(event); }

    // Starts over on the first question; `from_showcase` is "" from the grid.
    void start(const content::Manifest& m, const std::string& from_showcase);
    bool active() const { return manifest_ != nullptr; }
    Step step() const { return step_; }
    int question() const { return question_; }  // on the Question step
    const content::Interest& interest() const { return *manifest_->interest; }
    const std::map<std::string, std::string>& answers() const { return answers_; }  // question id -> option id

    void answer(const std::string& option_id);  // then the next question, or the next step
    // One step back; false when there is nowhere to go back to in the flow
    // (the visitor left it: the caller shows where the flow started).
    bool back();

    // Contact step.
    bool contact_offered() const { return options_.seal_key.has_value(); }
    void focus(Field f) { focus_ = f; }
    Field focused() const { return focus_; }
    void type(std::string_view text);  // the on-screen keyboard, into the focused field
    void backspace();                  // one character (not one byte) off the focused field
    void clear_field();
    const std::string& field(Field f) const { return f == Field::Name ? name_ : email_; }
    bool badge_scanned() const { return !badge_.empty(); }
    // A keyboard device (the scanner): characters, then Enter. A line that
    // came in one burst and ended with Enter is a badge; text typed slowly
    // goes into the focused field.
    void key_text(std::string_view text);
    void key_enter();
    void contact_done();  // seals what was given, wipes the clear text, on to consent

    // Consent step: both unticked to begin with.
    bool consent_contact() const { return consent_contact_; }
    bool consent_cv() const { return consent_cv_; }
    void toggle_consent_contact() { consent_contact_ = !consent_contact_; }
    void toggle_consent_cv() { consent_cv_ = !consent_cv_; }
    // Makes the record and commits it: Qr when committed, Failed otherwise
    // (failure() says why, for the staff log; never personal data).
    void confirm(const std::string& pack_id, std::int64_t pack_version, const std::string& language);

    // Qr step.
    const std::string& token() const { return token_; }
    const std::string& qr_text() const { return qr_text_; }
    const std::string& record_id() const { return record_id_; }
    const std::string& failure() const { return failure_; }

    // Ends the flow and forgets everything (done, idle reset, back out);
    // counts it as completed or abandoned.
    void end();
    bool keys_pending() const { return !keys_.empty(); }
    // Time passing: slow typing reaches the focused field.
    void tick();

private:
    void after_questions();
    std::string* typing_into();  // the focused field on the contact step, else null
    void wipe_clear_text();

    InterestOptions options_;
    const Clock& clock_;
    RecordSink sink_;
    platform::StatsCollector* stats_;

    const content::Manifest* manifest_ = nullptr;
    Step step_ = Step::Question;
    int question_ = 0;
    std::map<std::string, std::string> answers_;
    Field focus_ = Field::Name;
    std::string name_, email_, badge_, keys_;  // clear text: wiped, never logged
    Clock::time_point keys_at_{};
    std::optional<platform::Bytes> sealed_;  // name, e-mail and badge, sealed together
    bool consent_contact_ = false, consent_cv_ = false;
    std::string token_, qr_text_, record_id_, failure_;
};

}  // namespace vitrine
