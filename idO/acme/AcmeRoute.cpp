#include "idO/acme/AcmeRoute.h"

#include <utility>

#include "broker/http/ProblemResponse.h"
#include "idO/acme/RequestAuthenticator.h"

namespace legate::ido {

http::Handler acmeRoute(const AcmeServices& services, AcmeHandler handler,
                        AcmeRouteOptions options) {
    return [&services, handler = std::move(handler),
            options](http::Request& request) -> Result<http::Response> {
        TenantContext* tenant = services.tenant(request.param("tenant"));
        if (tenant == nullptr) {
            auto response = http::problemResponse(acme::Problem::make(
                acme::ErrorType::malformed, "no such ACME server (unknown tenant)", 404));
            response.setHeader("Access-Control-Allow-Origin", "*");
            return response;
        }
        // The nonce is issued before the handler runs: if Redis cannot store one, the
        // request is refused before it changes anything, and no answer lacks a nonce.
        std::optional<std::string> nonce;
        std::optional<Result<http::Response>> refused;
        if (options.replayNonce) {
            auto issued = tenant->nonces.issue();
            if (issued.ok()) {
                nonce = std::move(issued).value();
            } else {
                refused.emplace(std::move(issued).problem());
            }
        }

        auto result = refused ? std::move(*refused) : handler(request, *tenant);
        http::Response response;
        if (result.ok()) {
            response = std::move(result).value();
        } else {
            const auto& problem = result.problem();
            response = http::problemResponse(problem, request.requestId());
            if (auto delay = retryAfterOf(problem)) {
                response.retryAfter(*delay);
            }
        }
        if (nonce) {
            response.replayNonce(std::move(*nonce));
        }
        if (options.indexLink) {
            response.link(tenant->urls.directory(), "index");
        }
        response.setHeader("Access-Control-Allow-Origin", "*");
        return response;
    };
}

}  // namespace legate::ido
