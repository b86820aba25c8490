#pragma once
/// The NDC side of a template: build a CSR that the IdO's CsrMatcher will accept.
///
/// The NDC supplies only what the template leaves to it (values for "**"/"*" subject
/// members, names for "**"/"*" DNS slots); every literal comes from the template, so a
/// CSR built here is consistent with the template by construction, and any mismatch
/// between what the NDC wants and what the template allows is reported before a CSR
/// leaves the NDC.

#include <map>
#include <string>
#include <vector>

#include "broker/core/Result.h"
#include "broker/crypto/Csr.h"
#include "broker/crypto/Key.h"
#include "profiles/CsrTemplate.h"

namespace legate::profiles {

/// The NDC's choices for a template's "**" and "*" fields.
struct CsrChoices {
    /// RFC 9115 subject member name -> value, for "**" (required) and "*" (optional)
    /// members.  A value for a literal or untemplated member is an error.
    std::map<std::string, std::string> subject;
    /// DNS names for the template's "**" and "*" DNS entries: at least one per "**",
    /// at most one per "**" or "*".
    std::vector<std::string> dnsNames;
};

class CsrBuilder {
public:
    /// The first keyTypes entry Legate can generate a key for (P-256/384/521,
    /// RSA-2048/3072/4096), as a crypto::KeyType.
    static Result<crypto::KeyType> chooseKeyType(const CsrTemplate& tmpl);

    /// The keyTypes entry `key` satisfies (the first one if several), or badPublicKey.
    static Result<KeyTypeEntry> entryForKey(const CsrTemplate& tmpl, const crypto::PublicKey& key);

    /// The CsrRequest for `tmpl`, `key` and `choices`: malformed problem if a "**" is not
    /// given, a value is given where the template does not allow one, or too many names.
    static Result<crypto::CsrRequest> request(const CsrTemplate& tmpl,
                                              const crypto::PrivateKey& key,
                                              const CsrChoices& choices);

    /// request() then crypto::createCsr.
    static Result<crypto::Csr> build(const CsrTemplate& tmpl, const crypto::PrivateKey& key,
                                     const CsrChoices& choices);
};

}  // namespace legate::profiles
