#include "pack_path.hpp"

namespace vitrine::content {

std::optional<std::string> pack_path_problem(std::string_view path) {
    if (path.empty()) return "empty path";
    if (path.size() > 1024) return "path longer than 1024 bytes";
    for (unsigned char c : path) {
        if (c == 0) return "NUL character in path";
        if (c < 0x20 || c == 0x7f) return "control character in path";
        if (c == '\\') return "backslash in path (use /)";
    }
    if (path.front() == '/') return "absolute path";
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        std::string_view part = path.substr(start, end - start);
        if (part.empty()) return "empty path component (// or trailing /)";
        if (part == "." || part == "..") return "'" + std::string(part) + "' component in path";
        if (part.size() > 255) return "path component longer than 255 bytes";
        start = end + 1;
    }
    return std::nullopt;
}

std::string printable(std::string_view text) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    auto escape = [&](unsigned char c) {
        out += "\\x";
        out += digits[c >> 4];
        out += digits[c & 15];
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
        if (c < 0x20 || c == 0x7f) {
            escape(c);
        } else if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {  // U+0080..U+009F in UTF-8
            escape(c);
            escape(next);
            ++i;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

}  // namespace vitrine::content
