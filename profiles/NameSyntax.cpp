#include "profiles/NameSyntax.h"

#include <algorithm>

namespace legate::profiles {
namespace {

bool isAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool isLdhLabel(std::string_view label) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
        return false;
    }
    return std::all_of(label.begin(), label.end(), [](char c) { return isAlnum(c) || c == '-'; });
}

}  // namespace

bool isHostname(std::string_view name, bool allowWildcard) {
    if (name.empty() || name.size() > 253) {
        return false;
    }
    if (allowWildcard && name.size() > 2 && name.substr(0, 2) == "*.") {
        name.remove_prefix(2);
    }
    int labels = 0;
    size_t pos = 0;
    while (true) {
        const size_t dot = name.find('.', pos);
        const std::string_view label =
            name.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
        if (!isLdhLabel(label)) {
            return false;
        }
        ++labels;
        if (dot == std::string_view::npos) {
            break;
        }
        pos = dot + 1;
    }
    // The top-level label of a real host name is never all digits (that would be an
    // IPv4 address in disguise).
    const std::string_view last = name.substr(name.rfind('.') + 1);
    if (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    return labels >= 2;
}

bool isEmailAddress(std::string_view address) {
    if (address.size() > 254) {
        return false;
    }
    const size_t at = address.rfind('@');
    if (at == std::string_view::npos || at == 0 || at > 64) {
        return false;
    }
    const std::string_view local = address.substr(0, at);
    constexpr std::string_view kAtext = "!#$%&'*+-/=?^_`{|}~";
    char previous = '.';
    for (const char c : local) {
        if (c == '.') {
            if (previous == '.') {
                return false;  // leading or doubled dot
            }
        } else if (!isAlnum(c) && kAtext.find(c) == std::string_view::npos) {
            return false;
        }
        previous = c;
    }
    if (previous == '.') {
        return false;
    }
    return isHostname(address.substr(at + 1), false);
}

bool isUri(std::string_view uri) {
    if (uri.empty() || uri.size() > 2048) {
        return false;
    }
    const size_t colon = uri.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == uri.size()) {
        return false;
    }
    const std::string_view scheme = uri.substr(0, colon);
    if (!((scheme[0] >= 'a' && scheme[0] <= 'z') || (scheme[0] >= 'A' && scheme[0] <= 'Z'))) {
        return false;
    }
    for (const char c : scheme) {
        if (!isAlnum(c) && c != '+' && c != '-' && c != '.') {
            return false;
        }
    }
    constexpr std::string_view kForbidden = " \"<>\\^`{|}";
    for (const char c : uri.substr(colon + 1)) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || kForbidden.find(c) != std::string_view::npos) {
            return false;
        }
    }
    return true;
}

std::string asciiLower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

bool isUnderSuffix(std::string_view name, std::string_view suffix) {
    const std::string n = asciiLower(name);
    std::string s = asciiLower(suffix);
    if (!s.empty() && s.front() == '.') {
        s.erase(0, 1);
    }
    if (s.empty() || n.size() <= s.size() + 1) {
        return false;
    }
    return n.compare(n.size() - s.size(), s.size(), s) == 0 && n[n.size() - s.size() - 1] == '.';
}

}  // namespace legate::profiles
