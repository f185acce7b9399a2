// QR codes for the CV-interest screen: the text (the CV page's URL) encoded
// with libqrencode, and the pixels of the code for a GL texture. No GL here.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace vitrine {

struct QrCode {
    int size = 0;                    // modules per side, without the quiet zone
    std::vector<std::uint8_t> dark;  // size * size, row by row from the top; 1 = dark
};

// In 8-bit mode, error correction level M, the smallest version that holds
// `text`. Throws std::runtime_error when the text is empty or too long.
QrCode qr_encode(std::string_view text);

// The side in pixels of qr_rgba's image.
int qr_pixels(const QrCode& code, int module_px, int quiet_modules = 4);

// Black modules on white, with a white quiet zone of `quiet_modules` around
// (scanners need 4). RGBA8, row 0 at the top, qr_pixels() square. Throws
// std::invalid_argument unless module_px >= 1 and quiet_modules >= 0.
std::vector<std::uint8_t> qr_rgba(const QrCode& code, int module_px, int quiet_modules = 4);

}  // namespace vitrine
