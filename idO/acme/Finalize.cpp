#include "idO/acme/Finalize.h"

#include "broker/wire/Base64Url.h"
#include "broker/wire/Jwk.h"
#include "idO/acme/DelegationGate.h"

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

Result<std::optional<Problem>> checkFinalizeCsr(
    TenantState& state, const DelegationRecord& delegation, const OrderRecord& order,
    const crypto::Csr& csr, const std::vector<crypto::PublicKey>& otherAccountKeys) {
    // The account keys the matcher's one rule compares with (RFC 8555 §11.1): the ones
    // the caller knows (the tenant's upstream key) and the key of the tenant's account
    // whose thumbprint is the CSR key's, if there is one (the requester's included).
    std::vector<crypto::PublicKey> accountKeys = otherAccountKeys;
    auto thumbprint = wire::jwkThumbprint(csr.publicKey());
    if (thumbprint.ok()) {
        auto owner = state.accountIdByThumbprint(*thumbprint);
        LEGATE_TRY(owner);
        if (*owner) {
            auto account = state.account(**owner);
            LEGATE_TRY(account);
            if (*account) {
                auto key = wire::parseJwk((*account)->jwk);
                if (!key.ok()) {
                    return Problem::make(ErrorType::serverInternal,
                                         "a stored account JWK does not parse");
                }
                accountKeys.push_back(std::move(key).value());
            }
        }
    }
    return checkDelegationFit(delegation, order.identifiers, &csr, accountKeys);
}

}  // namespace legate::ido
