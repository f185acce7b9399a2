// qr_encode and qr_rgba: what the real zbarimg reads back from the pixels,
// the error correction level written in the symbol, the quiet zone, and the
// texts that cannot be encoded.
#include "kiosk/qr.hpp"
#include "support/support.hpp"

#include <doctest/doctest.h>
#include <stb_image_write.h>

#include <stdexcept>
#include <string>

using namespace vitrine;
using namespace vitrine::test;

namespace {

const std::string kUrl = "https://talents.example/cv/abcdefghijklmnop?e=demo-fair";

int version_of(const QrCode& code) { return (code.size - 17) / 4; }

bool dark_at(const QrCode& code, int row, int col) {
    return code.dark[static_cast<std::size_t>(row) * static_cast<std::size_t>(code.size) +
                     static_cast<std::size_t>(col)] != 0;
}

// The error correction level from the format information next to the
// top-left finder pattern (ISO/IEC 18004, 7.9): 0 = M, 1 = L, 2 = H, 3 = Q.
int ec_level_bits(const QrCode& code) {
    unsigned bits = 0;
    auto put = [&](int i, bool dark) { bits |= static_cast<unsigned>(dark) << i; };
    for (int i = 0; i <= 5; ++i) put(i, dark_at(code, i, 8));
    put(6, dark_at(code, 7, 8));
    put(7, dark_at(code, 8, 8));
    put(8, dark_at(code, 8, 7));
    for (int i = 9; i < 15; ++i) put(i, dark_at(code, 8, 14 - i));
    return static_cast<int>((bits ^ 0x5412u) >> 13);
}

// Writes the code as a PNG and returns what `zbarimg --raw` decodes from it.
ProcessResult scan(const QrCode& code, int module_px, const TempDir& dir, int quiet_modules = 4) {
    const int side = qr_pixels(code, module_px, quiet_modules);
    const std::vector<std::uint8_t> rgba = qr_rgba(code, module_px, quiet_modules);
    REQUIRE(rgba.size() == static_cast<std::size_t>(side) * static_cast<std::size_t>(side) * 4);
    const fs::path png = dir / ("qr-" + std::to_string(module_px) + ".png");
    REQUIRE(stbi_write_png(png.c_str(), side, side, 4, rgba.data(), side * 4) != 0);
    return run({"zbarimg", "--raw", "-q", png.string()});
}

}  // namespace

TEST_CASE("the CV page URL: a small code that zbarimg reads back exactly") {
    const QrCode code = qr_encode(kUrl);
    MESSAGE("QR code for a " << kUrl.size() << "-byte URL: version " << version_of(code) << ", " << code.size
                             << " modules per side");
    CHECK((code.size - 17) % 4 == 0);
    CHECK(code.size == 33);  // version 4: 55 bytes need more than version 3's 32 at level M
    CHECK(code.dark.size() == static_cast<std::size_t>(code.size) * static_cast<std::size_t>(code.size));
    CHECK(ec_level_bits(code) == 0);  // M

    TempDir dir;
    for (int module_px : {3, 9}) {  // 9: about 300 px at 1080p, what the kiosk shows
        CAPTURE(module_px);
        ProcessResult r = scan(code, module_px, dir);
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out == kUrl + "\n");
    }
}

TEST_CASE("the text is kept byte for byte: case, and every URL character") {
    TempDir dir;
    for (const std::string& text :
         {std::string("https://talents.example/cv/AbCdEf-_09xYz?e=Demo-Fair"),
          std::string("http://talents.example/cv/t0k3n?e=salon%20de%20l'emploi&lang=fr#top"), std::string("x")}) {
        CAPTURE(text);
        const QrCode code = qr_encode(text);
        ProcessResult r = scan(code, 4, dir);
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out == text + "\n");
    }
}

TEST_CASE("the smallest version that fits, up to the largest") {
    CHECK(qr_encode("x").size == 21);                   // version 1
    CHECK(qr_encode(std::string(14, 'a')).size == 21);  // version 1-M holds 14 bytes
    CHECK(qr_encode(std::string(15, 'a')).size == 25);
    CHECK(qr_encode(std::string(2331, 'a')).size == 177);  // version 40-M holds 2331 bytes
}

TEST_CASE("texts that cannot be encoded are errors") {
    CHECK_THROWS_WITH_AS(qr_encode(""), doctest::Contains("nothing to encode"), std::runtime_error);
    CHECK_THROWS_WITH_AS(qr_encode(std::string(2332, 'a')), doctest::Contains("too long (2332 bytes)"),
                         std::runtime_error);
    CHECK_THROWS_WITH_AS(qr_encode(std::string(100000, 'a')), doctest::Contains("too long"), std::runtime_error);
}

TEST_CASE("qr_rgba: black modules on white, inside a white quiet zone") {
    const QrCode code = qr_encode(kUrl);
    const int px = 9, quiet = 4;
    const int side = qr_pixels(code, px, quiet);
    CHECK(side == (code.size + 8) * px);
    CHECK(qr_pixels(code, 2, 0) == code.size * 2);
    const std::vector<std::uint8_t> rgba = qr_rgba(code, px, quiet);
    REQUIRE(rgba.size() == static_cast<std::size_t>(side) * static_cast<std::size_t>(side) * 4);

    auto pixel = [&](int x, int y) {
        const std::uint8_t* p = &rgba[(static_cast<std::size_t>(y) * static_cast<std::size_t>(side) +
                                       static_cast<std::size_t>(x)) *
                                      4];
        return std::vector<int>{p[0], p[1], p[2], p[3]};
    };
    const std::vector<int> white{255, 255, 255, 255}, black{0, 0, 0, 255};
    int wrong = 0;
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x) {
            const int mx = x / px - quiet, my = y / px - quiet;
            const bool in_code = mx >= 0 && my >= 0 && mx < code.size && my < code.size;
            wrong += pixel(x, y) != (in_code && dark_at(code, my, mx) ? black : white);
        }
    CHECK(wrong == 0);
    // The top-left finder pattern: a dark 7x7 ring, a light ring, a dark 3x3 centre.
    CHECK(dark_at(code, 0, 0));
    CHECK(dark_at(code, 6, 6));
    CHECK_FALSE(dark_at(code, 1, 1));
    CHECK(dark_at(code, 3, 3));
    CHECK_FALSE(dark_at(code, 7, 7));
    CHECK(pixel(quiet * px - 1, quiet * px) == white);
    CHECK(pixel(quiet * px, quiet * px) == black);
}

TEST_CASE("qr_rgba refuses a module under a pixel or a negative quiet zone") {
    const QrCode code = qr_encode("x");
    CHECK_THROWS_AS(qr_rgba(code, 0), std::invalid_argument);
    CHECK_THROWS_AS(qr_rgba(code, 4, -1), std::invalid_argument);
    CHECK(qr_rgba(code, 1, 0).size() == 21u * 21u * 4u);
}
