#pragma once
/// The admin API (design.md "Fixed interfaces"): NDC onboarding with EAB keys,
/// delegations from a CSR template or a bundled profile, delegation status, and
/// termination.  Bearer-token authenticated, JSON in and out, problem+json on error.

#include <string>

#include "broker/http/Router.h"
#include "idO/tenant/TenantContext.h"

namespace legate::ido {

/// Registers every /admin/v1/tenants/{tenant}/... route (docs/admin-api.md) on `router`,
/// each checking `Authorization: Bearer <bearerToken>` first (an empty token refuses
/// everything).  `services` must outlive the router.
void addAdminRoutes(http::Router& router, const AcmeServices& services, std::string bearerToken);

}  // namespace legate::ido
