#include "content/qr_url.hpp"

namespace vitrine::content {

std::size_t longest_qr_url(std::string_view tmpl) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < tmpl.size();) {
        if (tmpl.substr(i).starts_with("{token}")) {
            n += kTokenChars;
            i += 7;
        } else if (tmpl.substr(i).starts_with("{event}")) {
            n += kMaxEventChars;
            i += 7;
        } else {
            ++n;
            ++i;
        }
    }
    return n;
}

std::optional<std::string> qr_url_problem(std::string_view tmpl) {
    if (!tmpl.starts_with("https://") && !tmpl.starts_with("http://")) return "must be an http(s) URL";
    for (unsigned char c : tmpl)
        if (c <= 0x20 || c >= 0x7f)
            return "must be an http(s) URL of visible ASCII characters (escape others as %XX)";
    if (tmpl.find("{token}") == std::string_view::npos)
        return "must contain {token}, where the kiosk puts the visitor's token";
    const std::size_t longest = longest_qr_url(tmpl);
    if (longest > kMaxQrBytes)
        return "is too long for a QR code a phone reads from the screen: with a 16-character token and a "
               "64-character event it makes " + std::to_string(longest) + " bytes, and a QR code of version " +
               std::to_string(kMaxQrVersion) + " holds " + std::to_string(kMaxQrBytes) +
               "; use a shorter URL (a short path, fewer query parameters)";
    return std::nullopt;
}

}  // namespace vitrine::content
