// The QR code's URL template, checked where it is set (a pack's
// interest.qr_url, the config's [platform] qr_url) so that the kiosk can
// always draw the code: no visitor ever reaches a QR step that cannot be made.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vitrine::content {

// The largest QR code the kiosk draws: version 10 (57 modules a side),
// error correction level M, 8-bit mode, holds 213 bytes. Readable by any
// phone from half a metre at the kiosk's module size.
inline constexpr int kMaxQrVersion = 10;
inline constexpr std::size_t kMaxQrBytes = 213;
// What {token} and {event} can become: a 16-character token and an event id
// of up to 64 characters that need no escaping.
inline constexpr std::size_t kTokenChars = 16, kMaxEventChars = 64;

// The longest URL `tmpl` can expand to.
std::size_t longest_qr_url(std::string_view tmpl);

// Why `tmpl` cannot be the QR code's URL, or none: it must be an http:// or
// https:// URL of visible ASCII characters holding {token}, whose longest
// expansion fits kMaxQrBytes.
std::optional<std::string> qr_url_problem(std::string_view tmpl);

}  // namespace vitrine::content
