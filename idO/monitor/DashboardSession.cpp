#include "idO/monitor/DashboardSession.h"

#include "broker/crypto/Digest.h"

namespace legate::ido {
namespace {

constexpr std::string_view kSessionLabel = "legate dashboard session";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

bool sameSecret(std::string_view a, std::string_view b) {
    // Hash both sides first: equal lengths, so the comparison time says nothing.
    const auto da = crypto::sha256(a);
    const auto db = crypto::sha256(b);
    return crypto::constantTimeEquals(da, db);
}

}  // namespace

DashboardSession::DashboardSession(std::string_view token) : configured_(!token.empty()) {
    const crypto::Bytes digest = crypto::sha256(token);
    tokenDigest_.assign(digest.begin(), digest.end());
    const std::vector<unsigned char> key(token.begin(), token.end());
    cookieValue_ = crypto::toHex(crypto::hmac(crypto::HashAlgorithm::Sha256, key, kSessionLabel));
}

bool DashboardSession::isToken(std::string_view value) const {
    const crypto::Bytes presented = crypto::sha256(value);
    return configured_ && crypto::constantTimeEquals(presented, tokenDigest_);
}

bool DashboardSession::hasSession(const std::optional<std::string>& cookieHeader) const {
    if (!configured_ || !cookieHeader) {
        return false;
    }
    std::string_view rest = *cookieHeader;
    while (!rest.empty()) {
        const auto semicolon = rest.find(';');
        const auto pair = trim(rest.substr(0, semicolon));
        rest =
            semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);
        const auto equals = pair.find('=');
        if (equals != std::string_view::npos && pair.substr(0, equals) == kCookieName &&
            sameSecret(pair.substr(equals + 1), cookieValue_)) {
            return true;
        }
    }
    return false;
}

std::string DashboardSession::setCookie() const {
    return std::string(kCookieName) + "=" + cookieValue_ +
           "; Path=/admin/dashboard; Max-Age=" + std::to_string(kMaxAgeSeconds) +
           "; HttpOnly; SameSite=Strict";
}

}  // namespace legate::ido
