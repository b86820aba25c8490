#pragma once
/// Adapts an ACME handler to the HTTP router.
///
/// The wrapper resolves `{tenant}` (unknown tenant: 404 `malformed`), calls the handler,
/// and decorates EVERY answer, success or problem, as RFC 8555 requires:
/// a fresh `Replay-Nonce` (§6.5: on every POST response, and mandatory on badNonce),
/// `Link: <directory>;rel="index"` (§7.1, every resource but the directory itself),
/// and `Access-Control-Allow-Origin: *`.  Problems become responses through
/// `http::problemResponse`, the one place that does that.

#include <functional>

#include "broker/http/Router.h"
#include "idO/tenant/TenantContext.h"

namespace legate::ido {

using AcmeHandler = std::function<Result<http::Response>(http::Request&, TenantContext&)>;

struct AcmeRouteOptions {
    bool replayNonce = true;  ///< false only for GET/HEAD of certificates and the directory
    bool indexLink = true;    ///< false only for the directory
};

http::Handler acmeRoute(const AcmeServices& services, AcmeHandler handler,
                        AcmeRouteOptions options = {});

}  // namespace legate::ido
