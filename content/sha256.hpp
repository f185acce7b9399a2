// SHA-256 through OpenSSL's EVP, which uses the CPU's SHA instructions where
// there are some (several times faster than a portable implementation).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace vitrine::content {

using Digest = std::array<std::uint8_t, 32>;

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(const void* data, std::size_t size);
    Digest finish();  // also resets, ready for the next input

private:
    EVP_MD_CTX* ctx_;
};

std::string to_hex(const std::uint8_t* data, std::size_t size);
inline std::string to_hex(const Digest& d) { return to_hex(d.data(), d.size()); }
// Parses exactly 64 hex digits; false on anything else.
bool digest_from_hex(std::string_view hex, Digest& out);

}  // namespace vitrine::content
