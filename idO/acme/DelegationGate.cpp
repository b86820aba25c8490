#include "idO/acme/DelegationGate.h"

#include "profiles/CsrMatcher.h"
#include "profiles/TemplateParser.h"

namespace legate::ido {

Result<std::optional<acme::Problem>> checkDelegationFit(
    const DelegationRecord& delegation, const std::vector<acme::Identifier>& identifiers,
    const crypto::Csr* csr, const std::vector<crypto::PublicKey>& accountKeys) {
    auto tmpl = profiles::TemplateParser::parse(delegation.csrTemplate);
    if (!tmpl.ok()) {
        return acme::Problem::make(acme::ErrorType::serverInternal,
                                   "the delegation's stored CSR template does not parse");
    }
    profiles::MatchContext context;
    context.allowedSuffixes = delegation.allowedSuffixes;
    if (csr == nullptr) {
        auto problem =
            profiles::CsrMatcher::checkIdentifiers(*tmpl, identifiers, context).toProblem();
        if (problem) {
            problem->withStatus(403);
        }
        return problem;
    }
    context.orderIdentifiers = identifiers;
    context.accountKeys = accountKeys;
    auto problem = profiles::CsrMatcher::match(*tmpl, *csr, context).toProblem();
    if (problem) {
        problem->withStatus(403);
    }
    return problem;
}

}  // namespace legate::ido
