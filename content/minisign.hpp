// minisign public keys and signatures (https://jedisct1.github.io/minisign/),
// checked with libsodium. Both algorithms: legacy "Ed" (Ed25519 over the
// message) and prehashed "ED" (Ed25519 over BLAKE2b-512 of the message), and
// always the global signature over the trusted comment.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace vitrine::content {

struct PublicKey {
    std::array<std::uint8_t, 8> key_id{};
    std::array<std::uint8_t, 32> key{};
    // The key id as minisign prints it (uppercase hex, no leading zeros).
    std::string id() const;
};

struct Signature {
    bool prehashed = true;
    std::array<std::uint8_t, 8> key_id{};
    std::array<std::uint8_t, 64> signature{};
    std::string trusted_comment;
    std::array<std::uint8_t, 64> global_signature{};
};

// Accepts the base64 line alone or a whole minisign.pub file. Throws PackError.
PublicKey parse_public_key(std::string_view text);

// The content of a .minisig file. Throws PackError.
Signature parse_signature(std::string_view text);

// Checks that `message` carries `sig` made by one of `trusted`, trusted
// comment included. Returns the key that verified. Throws PackError.
const PublicKey& verify_signature(std::string_view message, const Signature& sig,
                                  std::span<const PublicKey> trusted);

std::string key_id_string(const std::array<std::uint8_t, 8>& key_id);

}  // namespace vitrine::content
