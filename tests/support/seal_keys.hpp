// A test-only X25519 key pair: the platform's side of sealing. The public
// half goes in a kiosk's config; the secret half, which no kiosk ever
// holds, opens what the kiosk sealed.
#pragma once
#include "platform/seal.hpp"

#include <sodium.h>

#include <optional>
#include <stdexcept>
#include <string>

namespace vitrine::test {

inline std::string base64(const unsigned char* data, std::size_t n) {
    std::string out(sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), data, n, sodium_base64_VARIANT_ORIGINAL);
    out.pop_back();
    return out;
}

struct TestKeyPair {
    unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    TestKeyPair() {
        if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");
        crypto_box_keypair(pk, sk);
    }
    std::string public_base64() const { return base64(pk, sizeof pk); }
    platform::SealKey key() const { return platform::SealKey::parse(public_base64()); }
    // What the platform does; nullopt if it does not open.
    std::optional<std::string> open(const platform::Bytes& sealed) const {
        if (sealed.size() < crypto_box_SEALBYTES) return std::nullopt;
        std::string clear(sealed.size() - crypto_box_SEALBYTES, '\0');
        if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(clear.data()), sealed.data(), sealed.size(), pk,
                                 sk) != 0)
            return std::nullopt;
        return clear;
    }
    // The same, of a sealed part as `vitrine queue list --json` prints it.
    std::optional<std::string> open_base64(const std::string& b64) const {
        platform::Bytes sealed(b64.size());
        std::size_t n = 0;
        if (sodium_base642bin(sealed.data(), sealed.size(), b64.data(), b64.size(), nullptr, &n, nullptr,
                              sodium_base64_VARIANT_ORIGINAL) != 0)
            return std::nullopt;
        sealed.resize(n);
        return open(sealed);
    }
};

}  // namespace vitrine::test
