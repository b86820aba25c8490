#pragma once
/// The admin listener's credential check: `Authorization: Bearer <token>` (RFC 6750)
/// against the configured token, in constant time.
///
/// Both sides are hashed with SHA-256 and the digests compared with CRYPTO_memcmp, so
/// neither the token's length nor the position of the first differing byte leaks
/// through timing.  The token itself is never logged or echoed.

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "broker/core/Result.h"

namespace legate::ido {

class BearerToken {
public:
    /// An empty `token` refuses every request (an unset token must never mean "open").
    explicit BearerToken(std::string_view token);

    /// ok when `authorization` (the header value, if any) is "Bearer <the token>" (the
    /// scheme case-insensitive); otherwise a 401 `unauthorized` problem.  The caller adds
    /// `WWW-Authenticate: Bearer` to the response.
    Status check(const std::optional<std::string>& authorization) const;

private:
    std::array<unsigned char, 32> digest_{};
    bool configured_ = false;
};

}  // namespace legate::ido
