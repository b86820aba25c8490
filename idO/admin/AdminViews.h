#pragma once
/// The JSON the admin API answers with, one function per record kind, so every
/// endpoint shows a record the same way.  Times are RFC 3339; absent values are null.
/// No view ever contains an EAB HMAC key (it is shown once, by NDC creation).

#include <nlohmann/json.hpp>

#include "idO/state/Records.h"
#include "idO/tenant/AcmeUrls.h"

namespace legate::ido {

/// {id, name, contact, account, eab-kid, created}
nlohmann::json ndcView(const NdcRecord& ndc);

/// {id, ndc, status, profile, csr-template, cname-map, star, allowed-suffixes, created, url}
nlohmann::json delegationView(const DelegationRecord& delegation, const AcmeUrls& urls);

/// {id, status, identifiers, star (STAR orders only), expires, certificate}; certificate
/// is {state, notBefore, notAfter} of what the order's publication serves at `now`
/// (plus `next`: {notBefore, notAfter, from} of a staged STAR successor), or null.
nlohmann::json orderView(const OrderRecord& order, const std::optional<CertificateRecord>& cert,
                         TimePoint now);

}  // namespace legate::ido
