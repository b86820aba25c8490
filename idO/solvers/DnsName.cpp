#include "idO/solvers/DnsName.h"

#include <cctype>

namespace legate::ido::solvers {
namespace {

acme::Problem badName(std::string_view name, const std::string& why) {
    return acme::Problem::make(acme::ErrorType::malformed,
                               "invalid DNS name \"" + std::string(name) + "\": " + why);
}

bool isLabelChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
}

}  // namespace

Result<std::string> normaliseDnsName(std::string_view name) {
    std::string out;
    out.reserve(name.size() + 1);
    for (const char c : name) {
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (!out.empty() && out.back() == '.') {
        out.pop_back();
    }
    if (out.empty()) {
        return badName(name, "empty or the root");
    }
    if (out.size() > 253) {
        return badName(name, "longer than 253 octets");
    }
    size_t start = 0;
    while (start <= out.size()) {
        size_t dot = out.find('.', start);
        if (dot == std::string::npos) {
            dot = out.size();
        }
        const std::string_view label(out.data() + start, dot - start);
        if (label.empty()) {
            return badName(name, "empty label");
        }
        if (label.size() > 63) {
            return badName(name, "label longer than 63 octets");
        }
        const bool wildcard = start == 0 && label == "*";
        if (!wildcard) {
            for (const char c : label) {
                if (!isLabelChar(c)) {
                    return badName(name, "character not allowed in a host name");
                }
            }
        }
        start = dot + 1;
    }
    out += '.';
    return out;
}

bool isInZone(std::string_view name, std::string_view zone) {
    auto n = normaliseDnsName(name);
    auto z = normaliseDnsName(zone);
    if (!n || !z) {
        return false;
    }
    const std::string& a = *n;
    const std::string& b = *z;
    return a == b || (a.size() > b.size() && a.ends_with(b) && a[a.size() - b.size() - 1] == '.');
}

Result<std::string> acmeChallengeName(std::string_view identifier) {
    std::string_view base = identifier;
    if (base.starts_with("*.")) {
        base.remove_prefix(2);
    }
    auto normalised = normaliseDnsName(base);
    if (!normalised) {
        return std::move(normalised).problem();
    }
    if (normalised->starts_with("*")) {
        return badName(identifier, "a wildcard only as the whole leftmost label");
    }
    return "_acme-challenge." + *normalised;
}

}  // namespace legate::ido::solvers
