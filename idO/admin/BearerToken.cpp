#include "idO/admin/BearerToken.h"

#include <algorithm>

#include "broker/crypto/Digest.h"
#include "broker/http/Headers.h"

namespace legate::ido {
namespace {

std::array<unsigned char, 32> sha256(std::string_view text) {
    std::array<unsigned char, 32> out{};
    const crypto::Bytes digest = crypto::sha256(text);
    std::copy_n(digest.begin(), std::min(digest.size(), out.size()), out.begin());
    return out;
}

acme::Problem unauthorized(std::string detail) {
    return acme::Problem::make(acme::ErrorType::unauthorized, std::move(detail), 401);
}

}  // namespace

BearerToken::BearerToken(std::string_view token)
    : digest_(sha256(token)), configured_(!token.empty()) {}

Status BearerToken::check(const std::optional<std::string>& authorization) const {
    if (!authorization) {
        return unauthorized("an Authorization: Bearer token is required");
    }
    constexpr std::string_view kScheme = "Bearer ";
    const std::string_view value = *authorization;
    if (value.size() < kScheme.size() ||
        !http::equalsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
        return unauthorized("the Authorization scheme must be Bearer");
    }
    const auto presented = sha256(value.substr(kScheme.size()));
    if (!configured_ || !crypto::constantTimeEquals(presented, digest_)) {
        return unauthorized("the bearer token is not valid");
    }
    return okStatus();
}

}  // namespace legate::ido
