#pragma once
/// The production route registrations, for tests that want the whole server.
///
/// Kept apart from AcmeTestEnvironment.h on purpose: only a test that includes this
/// header references (and so must link) every route file.

#include "idO/acme/AccountRoutes.h"
#include "idO/acme/OrderRoutes.h"
#include "idO/admin/AdminRoutes.h"
#include "tests/idO/support/AcmeTestEnvironment.h"

namespace legate::ido {

/// {addAccountRoutes, addOrderRoutes}.
inline std::vector<AcmeRouteRegistration> allAcmeRoutes() {
    return {addAccountRoutes, addOrderRoutes};
}

/// Options for a complete server: both ACME route sets and the admin API.
inline AcmeTestOptions fullServerOptions() {
    AcmeTestOptions options;
    options.acmeRoutes = allAcmeRoutes();
    options.adminRoutes = addAdminRoutes;
    return options;
}

}  // namespace legate::ido
