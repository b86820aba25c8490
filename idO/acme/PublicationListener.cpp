#include "idO/acme/PublicationListener.h"

#include "broker/http/ProblemResponse.h"
#include "idO/acme/Publication.h"

namespace legate::ido {

using acme::ErrorType;
using acme::Problem;

namespace {

/// The two resources this listener serves under "/acme/<tenant>".
enum class Resource { none, certificate, newNonce };

/// Splits "/acme/<tenant>/cert/<token>" and "/acme/<tenant>/new-nonce"; `none` for any
/// other shape.
Resource splitPath(std::string_view path, std::string_view& tenant, std::string_view& token) {
    static constexpr std::string_view kPrefix = "/acme/";
    static constexpr std::string_view kCert = "/cert/";
    static constexpr std::string_view kNewNonce = "/new-nonce";
    if (!path.starts_with(kPrefix)) {
        return Resource::none;
    }
    path.remove_prefix(kPrefix.size());
    const size_t slash = path.find('/');
    if (slash == 0 || slash == std::string_view::npos) {
        return Resource::none;
    }
    tenant = path.substr(0, slash);
    path.remove_prefix(slash);
    if (path == kNewNonce) {
        return Resource::newNonce;
    }
    if (!path.starts_with(kCert)) {
        return Resource::none;
    }
    token = path.substr(kCert.size());
    return !token.empty() && token.find('/') == std::string_view::npos ? Resource::certificate
                                                                       : Resource::none;
}

/// HEAD (200) or GET (204) of new-nonce, as the ACME listener answers them (RFC 8555
/// §7.2).  Issuing a nonce writes nothing (broker/store/NonceService.h): it needs Redis
/// only for the first nonce of each hour, so this loop blocks on Redis once an hour.
http::Response newNonce(TenantContext& tenant, std::string_view method) {
    auto nonce = tenant.nonces.issue();
    if (!nonce.ok()) {
        return publicationRefusal(nonce.problem());
    }
    http::Response response(method == "HEAD" ? 200 : 204);
    response.cacheControl("no-store");
    response.replayNonce(std::move(nonce).value());
    return response;
}

std::optional<std::string> copy(std::optional<std::string_view> v) {
    return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

}  // namespace

http::EventHandler publicationHandler(const AcmeServices& services) {
    return [&services](const http::EventRequest& request) -> http::Response {
        std::string_view tenantName;
        std::string_view token;
        TenantContext* tenant = nullptr;
        const Resource resource = splitPath(request.path(), tenantName, token);
        if (resource != Resource::none) {
            tenant = services.tenant(std::string(tenantName));
        }
        if (tenant == nullptr) {
            return publicationRefusal(Problem::make(ErrorType::malformed, "no such resource", 404));
        }
        http::Response response;
        if (resource == Resource::newNonce) {
            response = newNonce(*tenant, request.method());
        } else {
            PublicationConditions conditions{copy(request.header("if-none-match")),
                                             copy(request.header("if-modified-since"))};
            auto answer = publicationGet(*tenant, std::string(token), conditions);
            response = answer.ok() ? std::move(*answer) : publicationRefusal(answer.problem());
        }
        response.link(tenant->urls.directory(), "index");  // as every ACME answer (RFC 8555 §7.1)
        return response;
    };
}

}  // namespace legate::ido
