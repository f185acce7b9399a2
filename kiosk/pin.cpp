#include "kiosk/pin.hpp"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>

namespace vitrine {
namespace {

void init_sodium() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace

bool valid_pin(std::string_view pin) {
    return pin.size() >= 4 && pin.size() <= 8 &&
           std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string hash_pin(std::string_view pin) {
    if (!valid_pin(pin)) throw std::invalid_argument("a PIN is 4 to 8 digits (0-9), nothing else");
    init_sodium();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        throw std::runtime_error("not enough memory to hash the PIN");
    return out;
}

bool looks_like_pin_hash(std::string_view hash) {
    if (!hash.starts_with("$argon2id$") || hash.size() >= crypto_pwhash_STRBYTES ||
        hash.find('\0') != std::string_view::npos)
        return false;
    init_sodium();
    // -1: not an Argon2id string libsodium can decode (parameters, salt, hash).
    const std::string s(hash);
    return crypto_pwhash_str_needs_rehash(s.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != -1;
}

bool pin_matches(const std::string& hash, std::string_view pin) {
    // An invalid PIN never matches: the pad cannot type one, and the hash
    // was made from a valid one.
    if (!looks_like_pin_hash(hash) || !valid_pin(pin)) return false;
    init_sodium();
    return crypto_pwhash_str_verify(hash.c_str(), pin.data(), pin.size()) == 0;
}

PinGate::PinGate(const Clock& clock) : clock_(clock) {}

void PinGate::failed() {
    ++failures_;
    if (failures_ < kFreeAttempts) return;
    // 30 s at the 3rd failure, doubling with each further one, capped.
    std::chrono::seconds lock = kFirstLock;
    for (int i = kFreeAttempts; i < failures_ && lock < kMaxLock; ++i) lock *= 2;
    until_ = clock_.now() + std::min(lock, kMaxLock);
}

void PinGate::succeeded() {
    failures_ = 0;
    until_.reset();
}

bool PinGate::locked() const { return until_ && clock_.now() < *until_; }

std::chrono::seconds PinGate::locked_for() const {
    if (!locked()) return std::chrono::seconds(0);
    return std::chrono::ceil<std::chrono::seconds>(*until_ - clock_.now());
}

int PinGate::failures() const { return failures_; }

}  // namespace vitrine
