#pragma once
/// The CSR gate of RFC 9115 §4.1 / digest §2.11.4-2.11.5: is this CSR consistent with
/// the delegation's template, and may this IdO ask a CA to certify it?
///
/// On the NDC-IdO leg there are no challenges, so anything this check lets through the
/// CA will certify for the IdO's names.  Hence: the self-signature is verified first
/// and nothing else is believed before it; everything the template does not name is
/// forbidden; every fault is reported, not just the first.

#include <optional>
#include <string>
#include <vector>

#include "broker/core/Problem.h"
#include "broker/crypto/Csr.h"
#include "profiles/CsrTemplate.h"
#include "profiles/MatchReport.h"

namespace legate::profiles {

/// What the IdO knows beyond the template when it checks a CSR.
struct MatchContext {
    /// Local policy for DNS names the NDC chooses for "*"/"**" slots (RFC 9115 §4.1 MUST):
    /// such a name must be a proper subdomain of one of these.  Empty: no NDC-chosen
    /// name is acceptable.
    std::vector<std::string> allowedSuffixes;
    /// The order's identifiers; when set, the CSR's DNS names (SAN plus commonName) must
    /// equal the order's "dns" identifiers (RFC 8555 §7.4).
    std::optional<std::vector<acme::Identifier>> orderIdentifiers;
    /// ACME account keys the IdO knows (the NDC's, its own upstream ones); the CSR key
    /// must be none of them (RFC 8555 §11.1).
    std::vector<crypto::PublicKey> accountKeys;
};

class CsrMatcher {
public:
    /// Checks a parsed CSR.  Verifies the self-signature first; if it fails, that is
    /// the only finding (the rest of the CSR is unauthenticated).
    static MatchReport match(const CsrTemplate& tmpl, const crypto::Csr& csr,
                             const MatchContext& context);

    /// Parses DER first; a CSR that does not parse gives one badCSR finding.
    static MatchReport matchDer(const CsrTemplate& tmpl, const crypto::Bytes& der,
                                const MatchContext& context);

    /// The same as match(), as a Status carrying MatchReport::toProblem() on failure.
    static Status check(const CsrTemplate& tmpl, const crypto::Csr& csr,
                        const MatchContext& context);

    /// newOrder-time check (digest A5): is every identifier one this delegation can
    /// cover (a SAN DNS literal, or an NDC-chosen name allowed by policy when the
    /// template has "*"/"**" DNS entries)?  One rejectedIdentifier finding per name
    /// that is not; non-"dns" identifiers are rejected too.
    static MatchReport checkIdentifiers(const CsrTemplate& tmpl,
                                        const std::vector<acme::Identifier>& identifiers,
                                        const MatchContext& context);
};

}  // namespace legate::profiles
