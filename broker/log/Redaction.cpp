#include "broker/log/Redaction.h"

#include <array>
#include <cctype>
#include <string>

namespace legate::log {
namespace {

constexpr std::array<std::string_view, 13> kSecretParts = {
    "password", "passwd", "passphrase", "secret",        "privatekey", "keypem",     "hmac",
    "eabkey",   "apikey", "token",      "authorization", "cookie",     "credential",
};

std::string normalise(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    for (char c : name) {
        if (c == '_' || c == '-' || c == '.' || c == ' ') {
            continue;
        }
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return out;
}

}  // namespace

bool isSecretFieldName(std::string_view name) {
    const std::string n = normalise(name);
    for (std::string_view part : kSecretParts) {
        if (n.find(part) != std::string::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace legate::log
