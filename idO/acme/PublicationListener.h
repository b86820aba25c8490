#pragma once
/// The handler of the event-driven publication listener (broker/http/EventServer):
/// GET and HEAD of `/acme/<tenant>/cert/<token>`, answered exactly as the ACME listener
/// answers them (idO/acme/Publication.h), from the tenant's publication cache; and GET
/// and HEAD of `/acme/<tenant>/new-nonce` (RFC 8555 §7.2), a nonce of the tenant's
/// stateless NonceService, which the directory advertises when `publication.new-nonce`
/// is set.
///
/// Any other path is 404 `malformed`; an unknown tenant too.  POST-as-GET is not served
/// here (the server answers 405): it needs the ACME listener's JWS pipeline, and stays
/// at the ACME listener's URL of the same certificate (docs/conformance.md).

#include "broker/http/EventServer.h"
#include "idO/tenant/TenantContext.h"

namespace legate::ido {

/// `services` must outlive the handler.
http::EventHandler publicationHandler(const AcmeServices& services);

}  // namespace legate::ido
