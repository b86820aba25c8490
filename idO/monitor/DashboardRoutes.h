#pragma once
/// The operator dashboard on the admin listener (docs/operations.md, "Dashboard"):
///
///  * `GET /admin/dashboard`: the page (DashboardPage), for a request with the admin
///    bearer token (`Authorization: Bearer`) or the dashboard's session cookie.
///    `?token=TOKEN` with the right token answers 303 to the bare URL with the session
///    cookie (DashboardSession); a wrong or missing credential answers 401 with a short
///    page saying how to sign in.
///  * `GET /admin/dashboard/data`: the JSON the page draws, `{"generated", "tenants":
///    [TenantOverview::toJson(), ...]}`, with the same credentials (401 problem without).

#include <functional>
#include <string>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/http/Router.h"
#include "idO/monitor/TenantOverview.h"

namespace legate::ido {

using OverviewSource = std::function<Result<std::vector<TenantOverview>>()>;

/// `overviews` is called for each data request; `clock` stamps `generated` (the page
/// measures "expires in" against it, not against the browser's clock).
void addDashboardRoutes(http::Router& router, OverviewSource overviews, const Clock& clock,
                        const std::string& bearerToken);

}  // namespace legate::ido
