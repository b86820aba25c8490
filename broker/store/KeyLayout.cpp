#include "broker/store/KeyLayout.h"

#include <algorithm>
#include <cctype>

namespace legate::store {
namespace {

std::string escaped(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        switch (c) {
            case '%':
                out += "%25";
                break;
            case '{':
                out += "%7B";
                break;
            case '}':
                out += "%7D";
                break;
            default:
                out += c;
        }
    }
    return out;
}

bool isTenantChar(unsigned char c) {
    return std::islower(c) != 0 || std::isdigit(c) != 0 || c == '-' || c == '_' || c == '.';
}

}  // namespace

KeyLayout::KeyLayout(std::string tenant)
    : tenant_(std::move(tenant)), prefix_("legate:" + tenant_ + ":") {}

Result<KeyLayout> KeyLayout::forTenant(std::string_view tenant) {
    if (tenant.empty() || tenant.size() > 63 ||
        !std::all_of(tenant.begin(), tenant.end(), isTenantChar) ||
        std::isalnum(static_cast<unsigned char>(tenant.front())) == 0) {
        return acme::Problem::make(acme::ErrorType::malformed,
                                   "tenant name for Redis keys must be 1-63 characters of "
                                   "[a-z0-9._-] starting with a letter or digit");
    }
    return KeyLayout(std::string(tenant));
}

std::string KeyLayout::key(std::string_view kind, std::string_view id) const {
    return kindPrefix(kind) + escaped(id);
}

std::string KeyLayout::kindPrefix(std::string_view kind) const {
    return prefix_ + escaped(kind) + ":";
}

std::string KeyLayout::groupKey(std::string_view kind, std::string_view id,
                                std::string_view part) const {
    return prefix_ + "{" + escaped(kind) + ":" + escaped(id) + "}:" + escaped(part);
}

std::string_view KeyLayout::hashTag(std::string_view key) {
    const auto open = key.find('{');
    if (open == std::string_view::npos) {
        return key;
    }
    const auto close = key.find('}', open + 1);
    if (close == std::string_view::npos || close == open + 1) {
        return key;  // no closing brace, or "{}": Redis hashes the whole key
    }
    return key.substr(open + 1, close - open - 1);
}

uint16_t KeyLayout::hashSlot(std::string_view key) {
    // CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, as in the Redis Cluster spec.
    uint16_t crc = 0;
    for (const char c : hashTag(key)) {
        crc ^= static_cast<uint16_t>(static_cast<unsigned char>(c) << 8);
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc & 0x8000) != 0 ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                                      : static_cast<uint16_t>(crc << 1);
        }
    }
    return static_cast<uint16_t>(crc & 0x3FFF);
}

}  // namespace legate::store
