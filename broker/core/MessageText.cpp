#include "broker/core/MessageText.h"

namespace legate {

std::string jsonPointerToken(std::string_view member) {
    std::string out;
    for (const char c : member) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

std::string escapedForMessage(std::string_view text, size_t maxChars) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    size_t n = 0;
    for (const char c : text) {
        if (++n > maxChars) {
            out += "...";
            break;
        }
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            out += "\\x";
            out += kHex[u >> 4];
            out += kHex[u & 15];
        } else if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else {
            out += c;
        }
    }
    return out;
}

std::string quotedForMessage(std::string_view text, size_t maxChars) {
    return "\"" + escapedForMessage(text, maxChars) + "\"";
}

}  // namespace legate
