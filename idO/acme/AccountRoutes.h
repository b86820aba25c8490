#pragma once
/// Directory, new-nonce, new-account (with External Account Binding), account update
/// and deactivation, key-change, revoke-cert: the account side of the NDC-facing ACME
/// server (RFC 8555 §7.1–§7.3, §7.6; RFC 9115 §2.3.1 `delegations` URL).

#include "broker/http/Router.h"
#include "idO/tenant/TenantContext.h"

namespace legate::ido {

void addAccountRoutes(http::Router& router, const AcmeServices& services);

}  // namespace legate::ido
