#include "platform/seal.hpp"

#include <sodium.h>

#include <algorithm>
#include <string>

namespace vitrine::platform {
namespace {

void init_sodium() {
    static const bool ready = [] {
        if (sodium_init() < 0) throw SealError("libsodium cannot be initialised (no random source?)");
        return true;
    }();
    (void)ready;
}

}  // namespace

SealKey SealKey::parse(std::string_view base64) {
    init_sodium();
    const std::string expected = "expected the standard base64 of a 32-byte X25519 public key (44 characters)";
    if (base64.empty()) throw SealError("the key is empty; " + expected);
    Bytes buf(base64.size());
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(buf.data(), buf.size(), base64.data(), base64.size(), nullptr, &len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != base64.data() + base64.size())
        throw SealError("the key is not standard base64; " + expected);
    if (len != 32)
        throw SealError("the key decodes to " + std::to_string(len) + " bytes, not 32; " + expected);
    SealKey k;
    std::copy(buf.begin(), buf.begin() + 32, k.pk_.begin());
    // A low-order point (all zeros, for one) makes every seal fail: refuse it now, not at a visitor's tap.
    Bytes probe(crypto_box_SEALBYTES);
    if (crypto_box_seal(probe.data(), nullptr, 0, k.pk_.data()) != 0)
        throw SealError("the key is not a usable X25519 public key (a low-order point)");
    return k;
}

Bytes seal(const SealKey& key, std::string_view clear) {
    init_sodium();
    Bytes out(clear.size() + crypto_box_SEALBYTES);
    if (crypto_box_seal(out.data(), reinterpret_cast<const unsigned char*>(clear.data()), clear.size(),
                        key.bytes().data()) != 0)
        throw SealError("sealing failed: the key is not a usable X25519 public key");
    return out;
}

}  // namespace vitrine::platform
