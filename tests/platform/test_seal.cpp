// Sealing to the platform's public key: only the secret key opens it; a bad
// key string is refused with a reason.
#include "fixture.hpp"

using namespace vitrine;
using namespace vitrine::platform;
using namespace vitrine::test;

namespace {

std::string error_of(std::string_view key) {
    try {
        SealKey::parse(key);
    } catch (const SealError& e) { return e.what(); }
    return "(accepted)";
}

}  // namespace

TEST_CASE("sealed values open with the platform's secret key, and only with it") {
    TestKeyPair platform_keys, other;
    const SealKey key = SealKey::parse(platform_keys.public_base64());
    CHECK(std::equal(key.bytes().begin(), key.bytes().end(), platform_keys.pk));

    for (const std::string& clear :
         std::vector<std::string>{"jeanne.dupont@example.org", "", "Zoë Ångström-Łukasiewicz", std::string(5000, 'x')}) {
        CAPTURE(clear.size());
        const Bytes sealed = seal(key, clear);
        CHECK(sealed.size() == clear.size() + crypto_box_SEALBYTES);
        CHECK(platform_keys.open(sealed) == clear);
        CHECK_FALSE(other.open(sealed));
        if (clear.size() > 4)
            CHECK(std::search(sealed.begin(), sealed.end(), clear.begin(), clear.end()) == sealed.end());
    }

    SUBCASE("each seal is different (a fresh ephemeral key), and all open") {
        const Bytes a = seal(key, "same@example.org"), b = seal(key, "same@example.org");
        CHECK(a != b);
        CHECK(platform_keys.open(a) == "same@example.org");
        CHECK(platform_keys.open(b) == "same@example.org");
    }
    SUBCASE("a changed byte does not open") {
        Bytes sealed = seal(key, "jeanne.dupont@example.org");
        for (std::size_t at : {std::size_t(0), std::size_t(40), sealed.size() - 1}) {
            Bytes bad = sealed;
            bad[at] ^= 1;
            CHECK_FALSE(platform_keys.open(bad));
        }
    }
}

TEST_CASE("bad key strings are refused with a reason") {
    TestKeyPair keys;
    const std::string good = keys.public_base64();
    REQUIRE(good.size() == 44);
    CHECK(error_of(good) == "(accepted)");

    CHECK(error_of("").starts_with("the key is empty"));
    CHECK(error_of("not base64 at all!").starts_with("the key is not standard base64"));
    CHECK(error_of(good + "\n").starts_with("the key is not standard base64"));
    CHECK(error_of(" " + good).starts_with("the key is not standard base64"));
    CHECK(error_of(good.substr(0, 43)).starts_with("the key is not standard base64"));  // no padding
    const unsigned char bytes31[31] = {1}, bytes33[33] = {1}, bytes64[64] = {1};
    CHECK(error_of(base64(bytes31, 31)).starts_with("the key decodes to 31 bytes, not 32"));
    CHECK(error_of(base64(bytes33, 33)).starts_with("the key decodes to 33 bytes, not 32"));
    CHECK(error_of(base64(bytes64, 64)).starts_with("the key decodes to 64 bytes, not 32"));
    const unsigned char zeros[32] = {};
    CHECK(error_of(base64(zeros, 32)).starts_with("the key is not a usable X25519 public key"));
    // Every message says what is expected.
    CHECK(error_of("x").find("base64 of a 32-byte X25519 public key") != std::string::npos);

    SUBCASE("the URL-safe alphabet is not standard base64") {
        std::string key;
        for (int i = 0; i < 1000 && key.find_first_of("+/") == std::string::npos; ++i) key = TestKeyPair().public_base64();
        REQUIRE(key.find_first_of("+/") != std::string::npos);
        std::replace(key.begin(), key.end(), '+', '-');
        std::replace(key.begin(), key.end(), '/', '_');
        CHECK(error_of(key).starts_with("the key is not standard base64"));
    }
}
