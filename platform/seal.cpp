#include "platform/seal.hpp"
#include "platform/sodium.hpp"

#include <sodium.h>

#include <algorithm>
#include <string>

namespace vitrine::platform {

SealKey SealKey::parse(std::string_view base64) {
    sodium_ready();
    const std::string expected = "expected the standard base64 of a 32-byte X25519 public key (44 characters)";
    if (base64.empty()) throw SealError("the key is empty; " + expected);
    std::optional<Bytes> buf = from_base64(base64);
    if (!buf) throw SealError("the key is not standard base64; " + expected);
    if (buf->size() != 32)
        throw SealError("the key decodes to " + std::to_string(buf->size()) + " bytes, not 32; " + expected);
    SealKey k;
    std::copy(buf->begin(), buf->end(), k.pk_.begin());
    // A low-order point (all zeros, for one) makes every seal fail: refuse it now, not at a visitor's tap.
    Bytes probe(crypto_box_SEALBYTES);
    if (crypto_box_seal(probe.data(), nullptr, 0, k.pk_.data()) != 0)
        throw SealError("the key is not a usable X25519 public key (a low-order point)");
    return k;
}

Bytes seal(const SealKey& key, std::string_view clear) {
    sodium_ready();
    Bytes out(clear.size() + crypto_box_SEALBYTES);
    if (crypto_box_seal(out.data(), reinterpret_cast<const unsigned char*>(clear.data()), clear.size(),
                        key.bytes().data()) != 0)
        throw SealError("sealing failed: the key is not a usable X25519 public key");
    return out;
}

}  // namespace vitrine::platform
