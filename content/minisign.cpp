#include "minisign.hpp"

#include "error.hpp"

#include "base/text.hpp"

#include <sodium.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace vitrine::content {
namespace {

void ensure_sodium() {
    if (sodium_init() < 0) throw PackError("libsodium could not be initialised");
}

// Blanks around a base64 line are noise; a trusted comment keeps them (it is signed).
using base::trim;

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        start = end + 1;
    }
    return lines;
}

// Decodes standard base64 into exactly `expected` bytes, or returns false.
bool decode_exact(std::string_view b64, std::uint8_t* out, std::size_t expected) {
    b64 = trim(b64);
    std::size_t len = 0;
    if (sodium_base642bin(out, expected, b64.data(), b64.size(), nullptr, &len, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return false;
    return len == expected;
}

constexpr std::string_view kUntrusted = "untrusted comment:";
constexpr std::string_view kTrusted = "trusted comment: ";

}  // namespace

std::string key_id_string(const std::array<std::uint8_t, 8>& key_id) {
    // minisign prints the id as a little-endian 64-bit number, in hex
    // without leading zeros.
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | key_id[static_cast<std::size_t>(i)];
    char buf[17];
    std::snprintf(buf, sizeof buf, "%llX", static_cast<unsigned long long>(v));
    return buf;
}

std::string PublicKey::id() const { return key_id_string(key_id); }

PublicKey parse_public_key(std::string_view text) {
    ensure_sodium();
    std::string_view line;
    for (auto l : lines_of(text)) {
        l = trim(l);
        if (l.empty() || l.starts_with(kUntrusted)) continue;
        line = l;
        break;
    }
    std::uint8_t raw[42];
    if (line.empty() || !decode_exact(line, raw, sizeof raw))
        throw PackError("not a minisign public key (expected the base64 line of a minisign .pub file, "
                        "56 characters starting with RW)");
    if (raw[0] != 'E' || raw[1] != 'd')
        throw PackError("unsupported public key algorithm (only Ed25519 minisign keys are supported)");
    PublicKey k;
    std::memcpy(k.key_id.data(), raw + 2, 8);
    std::memcpy(k.key.data(), raw + 10, 32);
    return k;
}

Signature parse_signature(std::string_view text) {
    ensure_sodium();
    auto lines = lines_of(text);
    if (lines.size() < 4 || !lines[0].starts_with(kUntrusted) || !lines[2].starts_with(kTrusted))
        throw PackError("manifest.json.minisig is not a minisign signature file "
                        "(expected 4 lines: untrusted comment, signature, trusted comment, global signature)");
    std::uint8_t raw[74];
    if (!decode_exact(lines[1], raw, sizeof raw))
        throw PackError("manifest.json.minisig: the signature line is not valid base64 of a minisign signature");
    Signature s;
    if (raw[0] == 'E' && raw[1] == 'd')
        s.prehashed = false;
    else if (raw[0] == 'E' && raw[1] == 'D')
        s.prehashed = true;
    else
        throw PackError("manifest.json.minisig: unknown signature algorithm (expected Ed or ED)");
    std::memcpy(s.key_id.data(), raw + 2, 8);
    std::memcpy(s.signature.data(), raw + 10, 64);
    s.trusted_comment = std::string(lines[2].substr(kTrusted.size()));
    if (!decode_exact(lines[3], s.global_signature.data(), s.global_signature.size()))
        throw PackError("manifest.json.minisig: the global signature line is not valid base64");
    return s;
}

const PublicKey& verify_signature(std::string_view message, const Signature& sig,
                                  std::span<const PublicKey> trusted) {
    ensure_sodium();
    const PublicKey* key = nullptr;
    for (const auto& k : trusted)
        if (k.key_id == sig.key_id) key = &k;
    if (!key)
        throw PackError("the pack is signed with key " + key_id_string(sig.key_id) +
                        ", which is not a trusted key of this device (add its public key to "
                        "[packs] trusted_keys, or ask the author to sign with a trusted key)");

    int bad;
    if (sig.prehashed) {
        std::uint8_t hash[crypto_generichash_BYTES_MAX];
        crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(message.data()),
                           message.size(), nullptr, 0);
        bad = crypto_sign_verify_detached(sig.signature.data(), hash, sizeof hash, key->key.data());
    } else {
        bad = crypto_sign_verify_detached(sig.signature.data(),
                                          reinterpret_cast<const unsigned char*>(message.data()),
                                          message.size(), key->key.data());
    }
    if (bad)
        throw PackError("bad signature: manifest.json was changed after it was signed, or the signature "
                        "belongs to another file (sign it again with minisign -Sm manifest.json)");

    std::vector<unsigned char> global(sig.signature.begin(), sig.signature.end());
    global.insert(global.end(), sig.trusted_comment.begin(), sig.trusted_comment.end());
    if (crypto_sign_verify_detached(sig.global_signature.data(), global.data(), global.size(),
                                    key->key.data()))
        throw PackError("bad signature: the trusted comment of manifest.json.minisig was altered");
    return *key;
}

}  // namespace vitrine::content
