#pragma once
/// Delegations (RFC 9115 §2.3.1–§2.3.3), orders with the delegation profile (§2.3.4),
/// finalize through the CSR-template gate, STAR cancellation (RFC 8739 §3.1.2), and
/// the certificate publication endpoints CDN edges poll (RFC 8739 §3.3–§3.4).

#include "broker/http/Router.h"
#include "idO/tenant/TenantContext.h"

namespace legate::ido {

void addOrderRoutes(http::Router& router, const AcmeServices& services);

}  // namespace legate::ido
