#include "broker/store/RedisUrl.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace legate::store {
namespace {

using acme::ErrorType;
using acme::Problem;

Problem malformed(std::string what) {
    return Problem::make(ErrorType::malformed, "redis URL: " + std::move(what));
}

bool allDigits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

/// Parses an unsigned decimal with no sign, no spaces; nullopt when out of [lo, hi].
std::optional<int> parseNumber(std::string_view s, int lo, int hi) {
    if (!allDigits(s) || s.size() > 9) {
        return std::nullopt;
    }
    int value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size() || value < lo || value > hi) {
        return std::nullopt;
    }
    return value;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/// RFC 3986 percent-decoding; nullopt on a truncated or non-hex escape.
std::optional<std::string> percentDecode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        if (i + 2 >= s.size()) {
            return std::nullopt;
        }
        const int hi = hexValue(s[i + 1]);
        const int lo = hexValue(s[i + 2]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

std::string percentEncode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : s) {
        if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
        }
    }
    return out;
}

bool isHostNameChar(unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_';
}

bool isIpv6Char(unsigned char c) {
    return std::isxdigit(c) != 0 || c == ':' || c == '.';
}

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b));
           });
}

}  // namespace

Result<RedisUrl> RedisUrl::parse(std::string_view text) {
    constexpr std::string_view kScheme = "redis://";
    if (startsWithNoCase(text, "rediss://")) {
        return malformed("scheme 'rediss' (TLS) is not supported; use redis://");
    }
    if (!startsWithNoCase(text, kScheme)) {
        const auto colon = text.find("://");
        if (colon == std::string_view::npos) {
            return malformed("missing scheme; expected redis://host[:port][/db]");
        }
        return malformed("unsupported scheme '" + std::string(text.substr(0, colon)) +
                         "'; expected redis://");
    }
    std::string_view rest = text.substr(kScheme.size());
    if (rest.find_first_of("?#") != std::string_view::npos) {
        return malformed("query and fragment are not supported");
    }
    if (std::any_of(rest.begin(), rest.end(),
                    [](unsigned char c) { return c <= 0x20 || c >= 0x7F; })) {
        return malformed("whitespace, control or non-ASCII character in URL");
    }

    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    const std::string_view path =
        slash == std::string_view::npos ? std::string_view() : rest.substr(slash);

    RedisUrl url;
    const auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        authority.remove_prefix(at + 1);
        const auto colon = userinfo.find(':');
        if (colon == std::string_view::npos) {
            return malformed("credentials must be [user]:password@ (missing ':')");
        }
        auto user = percentDecode(userinfo.substr(0, colon));
        if (!user) {
            return malformed("bad percent-encoding in user");
        }
        auto password = percentDecode(userinfo.substr(colon + 1));
        if (!password) {
            return malformed("bad percent-encoding in password");  // never quote it
        }
        if (password->empty()) {
            return malformed("empty password (omit the credentials instead)");
        }
        url.user_ = std::move(*user);
        url.password_ = std::move(*password);
    }

    std::string_view portText;
    bool hasPort = false;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return malformed("unterminated '[' in host");
        }
        const std::string_view host = authority.substr(1, close - 1);
        if (host.empty() || !std::all_of(host.begin(), host.end(), isIpv6Char)) {
            return malformed("bad IPv6 host '[" + std::string(host) + "]'");
        }
        url.host_ = std::string(host);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (!after.starts_with(':')) {
                return malformed("unexpected '" + std::string(after) + "' after host");
            }
            hasPort = true;
            portText = after.substr(1);
        }
    } else {
        const auto colon = authority.find(':');
        const std::string_view host = authority.substr(0, colon);
        if (host.empty()) {
            return malformed("missing host");
        }
        if (!std::all_of(host.begin(), host.end(), isHostNameChar)) {
            return malformed("bad host '" + std::string(host) + "'");
        }
        url.host_ = std::string(host);
        if (colon != std::string_view::npos) {
            hasPort = true;
            portText = authority.substr(colon + 1);
        }
    }
    if (hasPort) {
        const auto port = parseNumber(portText, 1, 65535);
        if (!port) {
            return malformed("bad port '" + std::string(portText) +
                             "' (expected a number from 1 to 65535)");
        }
        url.port_ = *port;
    }

    if (path.size() > 1) {
        const std::string_view dbText = path.substr(1);
        const auto db = parseNumber(dbText, 0, 999'999'999);
        if (!db) {
            return malformed("bad database '" + std::string(dbText) +
                             "' (expected a non-negative number)");
        }
        url.db_ = *db;
    }
    return url;
}

RedisUrl RedisUrl::plain(std::string host, int port, int db) {
    RedisUrl url;
    url.host_ = std::move(host);
    url.port_ = port;
    url.db_ = db;
    return url;
}

std::string RedisUrl::toString() const {
    std::string out = "redis://";
    if (password_) {
        out += percentEncode(user_) + ":***@";
    }
    out += host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
    out += ":" + std::to_string(port_) + "/" + std::to_string(db_);
    return out;
}

}  // namespace legate::store
