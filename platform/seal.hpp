// Sealing personal data to the platform's X25519 public key with libsodium's
// crypto_box_seal: anyone holding the public key can seal, only the platform
// (holding the secret key) can open. The device cannot read it back.
#pragma once
#include "platform/record.hpp"

#include <array>
#include <stdexcept>
#include <string_view>

namespace vitrine::platform {

class SealError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class SealKey {
public:
    // Standard base64 of the 32-byte X25519 public key (the config's
    // [platform] seal_public_key). Throws SealError saying what is wrong.
    static SealKey parse(std::string_view base64);
    const std::array<unsigned char, 32>& bytes() const { return pk_; }

private:
    std::array<unsigned char, 32> pk_{};
};

// crypto_box_seal of `clear` (48 bytes longer than it).
Bytes seal(const SealKey& key, std::string_view clear);

}  // namespace vitrine::platform
