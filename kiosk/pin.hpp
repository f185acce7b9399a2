// The staff PIN: its format, its hash (kept in the config's [staff]
// pin_hash, written by `vitrine staff set-pin`) and the lockout that slows
// down guessing on the kiosk's numeric pad. The PIN itself is never stored,
// logged or printed.
#pragma once
#include "platform/clock.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace vitrine {

// 4 to 8 ASCII digits.
bool valid_pin(std::string_view pin);

// libsodium crypto_pwhash_str (Argon2id, OPSLIMIT/MEMLIMIT_INTERACTIVE).
// Throws std::invalid_argument on an invalid PIN, std::runtime_error when
// libsodium cannot hash (out of memory).
std::string hash_pin(std::string_view pin);

// crypto_pwhash_str_verify: false for an empty or malformed hash. Slow
// (0.1-0.5 s, by design): the UI calls it off the UI thread.
bool pin_matches(const std::string& hash, std::string_view pin);

// True when `hash` is an Argon2id string libsodium can read, like what
// hash_pin writes ("$argon2id$v=19$m=...").
bool looks_like_pin_hash(std::string_view hash);

// Wrong-PIN lockout on the kiosk's clock: after 3 wrong PINs in a row the
// pad locks for 30 s, then 60, 120 ... with each further wrong PIN, at most
// 15 min. A right PIN resets it. Not thread-safe: the UI thread owns it.
class PinGate {
public:
    static constexpr int kFreeAttempts = 3;
    static constexpr std::chrono::seconds kFirstLock{30};
    static constexpr std::chrono::seconds kMaxLock{15 * 60};

    explicit PinGate(const Clock& clock);
    void failed();
    void succeeded();
    bool locked() const;
    std::chrono::seconds locked_for() const;  // 0 when not locked (rounded up)
    int failures() const;

private:
    const Clock& clock_;
    int failures_ = 0;
    std::optional<Clock::time_point> until_;
};

}  // namespace vitrine
