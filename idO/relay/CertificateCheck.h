#pragma once
/// What the IdO checks in every certificate the CA hands back before publishing it
/// (issue #5, "checks each certificate it gets"): a CA bug, a mix-up between orders or a
/// compromised CA account must never put a wrong certificate on an NDC's edge.

#include <optional>
#include <string>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/Problem.h"
#include "broker/core/Result.h"
#include "broker/crypto/Certificate.h"
#include "broker/crypto/Csr.h"

namespace legate::ido::relay {

struct IssuedExpectations {
    /// The NDC's CSR: the leaf must carry its public key.
    const crypto::Csr* csr = nullptr;
    /// The order's identifiers: the leaf's dNSName SANs must be exactly these.
    std::vector<acme::Identifier> identifiers;
    /// The validity asked for, when the CA said it would honour it (it reflected
    /// notBefore/notAfter in the order): the leaf must have exactly these (to the second).
    std::optional<TimePoint> notBefore;
    std::optional<TimePoint> notAfter;
};

/// The chain parsed (leaf first), or a serverInternal/502 problem naming what is wrong:
/// not a well-ordered chain, a different public key, different names, a validity other
/// than asked, already expired at `now`, or no path to one of `roots` (checked at the
/// later of `now` and the leaf's notBefore, so a certificate issued ahead of its period
/// is judged as it will be when served).
Result<std::vector<crypto::Certificate>> checkIssued(const std::string& pem,
                                                     const IssuedExpectations& expected,
                                                     const std::vector<crypto::Certificate>& roots,
                                                     TimePoint now);

}  // namespace legate::ido::relay
