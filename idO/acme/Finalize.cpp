#include "idO/acme/Finalize.h"

#include "broker/wire/Base64Url.h"
#include "broker/wire/Jwk.h"
#include "profiles/CsrMatcher.h"
#include "profiles/TemplateParser.h"

namespace legate::ido {

using acme::ErrorType;
using acme::Problem;

Result<crypto::Csr> finalizeCsrDer(const nlohmann::json& payload) {
    auto it = payload.find("csr");
    if (it == payload.end() || !it->is_string()) {
        return Problem::make(ErrorType::malformed,
                             "the finalize payload needs a csr member (base64url DER)");
    }
    auto der = wire::base64UrlDecode(it->get<std::string>());
    if (!der.ok()) {
        return Problem::make(ErrorType::badCSR, "csr is not base64url: " + der.problem().detail,
                             400);
    }
    auto csr = crypto::Csr::fromDer(*der);
    if (!csr.ok()) {
        return Problem::make(ErrorType::badCSR,
                             "csr is not a PKCS#10 request: " + csr.problem().detail, 400);
    }
    return csr;
}

Result<std::optional<Problem>> checkFinalizeCsr(TenantState& state,
                                                const DelegationRecord& delegation,
                                                const OrderRecord& order, const crypto::Csr& csr) {
    auto tmpl = profiles::TemplateParser::parse(delegation.csrTemplate);
    if (!tmpl.ok()) {
        return Problem::make(ErrorType::serverInternal,
                             "the delegation's stored CSR template does not parse");
    }
    profiles::MatchContext context;
    context.allowedSuffixes = delegation.allowedSuffixes;
    context.orderIdentifiers = order.identifiers;
    auto report = profiles::CsrMatcher::match(*tmpl, csr, context);

    // Any account key of the tenant (the requester's included): found by thumbprint.
    // Only for a CSR whose self-signature holds: otherwise that is the only finding.
    if (csr.verifySignature().ok()) {
        auto thumbprint = wire::jwkThumbprint(csr.publicKey());
        if (thumbprint.ok()) {
            auto owner = state.accountIdByThumbprint(*thumbprint);
            LEGATE_TRY(owner);
            if (*owner) {
                report.badCsr("publicKey",
                              "the CSR public key is the key of an ACME account; use a "
                              "separate certificate key (RFC 8555 §11.1)");
            }
        }
    }
    return report.toProblem();
}

}  // namespace legate::ido
