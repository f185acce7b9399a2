#include "qr.hpp"

#include <qrencode.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

namespace vitrine {

QrCode qr_encode(std::string_view text) {
    if (text.empty()) throw std::runtime_error("QR code: nothing to encode");
    if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw std::runtime_error("QR code: the text is too long (" + std::to_string(text.size()) + " bytes)");
    errno = 0;
    // Version 0: the smallest that fits. 8-bit mode keeps the text byte for byte.
    std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(
        QRcode_encodeData(static_cast<int>(text.size()), reinterpret_cast<const unsigned char*>(text.data()), 0,
                          QR_ECLEVEL_M),
        &QRcode_free);
    if (!qr) {
        int err = errno;
        if (err == ERANGE)
            throw std::runtime_error("QR code: the text is too long (" + std::to_string(text.size()) + " bytes)");
        throw std::runtime_error("QR code: cannot encode (" + std::string(err ? std::strerror(err) : "unknown error") +
                                 ")");
    }
    QrCode code;
    code.size = qr->width;
    code.dark.resize(static_cast<std::size_t>(code.size) * static_cast<std::size_t>(code.size));
    for (std::size_t i = 0; i < code.dark.size(); ++i) code.dark[i] = qr->data[i] & 1;
    return code;
}

int qr_pixels(const QrCode& code, int module_px, int quiet_modules) {
    return (code.size + 2 * quiet_modules) * module_px;
}

std::vector<std::uint8_t> qr_rgba(const QrCode& code, int module_px, int quiet_modules) {
    if (module_px < 1 || quiet_modules < 0)
        throw std::invalid_argument("qr_rgba: module_px must be 1 or more and quiet_modules 0 or more");
    const std::size_t n = static_cast<std::size_t>(code.size), px = static_cast<std::size_t>(module_px),
                      quiet = static_cast<std::size_t>(quiet_modules), side = (n + 2 * quiet) * px;
    if (code.size < 0 || code.dark.size() != n * n) throw std::invalid_argument("qr_rgba: malformed QrCode");
    std::vector<std::uint8_t> rgba(side * side * 4, 0xFF);
    for (std::size_t y = 0; y < n; ++y)
        for (std::size_t x = 0; x < n; ++x) {
            if (!code.dark[y * n + x]) continue;
            for (std::size_t row = (quiet + y) * px; row < (quiet + y + 1) * px; ++row) {
                std::uint8_t* p = &rgba[(row * side + (quiet + x) * px) * 4];
                for (std::size_t i = 0; i < px; ++i, p += 4) p[0] = p[1] = p[2] = 0;  // alpha stays 0xFF
            }
        }
    return rgba;
}

}  // namespace vitrine
