#pragma once
/// The gate every certificate passes before it reaches the edge.
///
/// What comes from the IdO is untrusted input: a bug, a compromised IdO or a mixed-up
/// order must not put a certificate on the edge that the edge cannot use (another key),
/// that serves other names, that browsers will refuse (chain), or that is already dead.
/// A refused certificate is never installed; the one in place stays.

#include <string>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/crypto/Certificate.h"
#include "broker/crypto/Key.h"

namespace legate::ndc {

struct VerifiedChain {
    std::vector<crypto::Certificate> chain;  ///< end-entity first
    crypto::Certificate leaf() const { return chain.front(); }
};

/// Checks `pem` (an ACME PEM chain) for installation at `now`:
///  * it parses as a chain, end-entity first;
///  * the end-entity's public key is `key`'s (the key we hold for this slot);
///  * its DNS names are exactly `names` (case-insensitive, order-free), when given;
///  * it is valid at `now` (not expired, not yet valid is refused too);
///  * it verifies up to one of `trustAnchors` at `now` (skipped when empty).
/// `badCertificate`-style refusals are `malformed` problems with a detail that says what
/// did not match.
Result<VerifiedChain> verifyForInstall(const std::string& pem, const crypto::PublicKey& key,
                                       const std::vector<std::string>& names,
                                       const std::vector<crypto::Certificate>& trustAnchors,
                                       TimePoint now);

}  // namespace legate::ndc
