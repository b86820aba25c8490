#pragma once
/// Every URL the NDC-facing ACME server hands out for one tenant, in one place.
///
///     <base>/acme/<tenant>/directory          GET
///     <base>/acme/<tenant>/new-nonce          HEAD, GET, POST-as-GET
///     <base>/acme/<tenant>/new-account        POST (jwk)
///     <base>/acme/<tenant>/new-order          POST
///     <base>/acme/<tenant>/key-change         POST
///     <base>/acme/<tenant>/revoke-cert        POST
///     <base>/acme/<tenant>/acct/<id>          POST (update, deactivate, POST-as-GET)
///     <base>/acme/<tenant>/acct/<id>/orders       POST-as-GET  (?cursor=N pages)
///     <base>/acme/<tenant>/acct/<id>/delegations  POST-as-GET  (?cursor=N pages)
///     <base>/acme/<tenant>/delegation/<id>    POST-as-GET
///     <base>/acme/<tenant>/order/<id>         POST-as-GET, POST {"status":"canceled"}
///     <base>/acme/<tenant>/order/<id>/finalize    POST {"csr"}
///     <base>/acme/<tenant>/cert/<token>       GET, HEAD (when negotiated), POST-as-GET
///
/// Ids are 128-bit random base64url values (TenantState::newId), so every URL is an
/// unguessable capability URL.  The JWS `url` of a request must equal, byte for byte,
/// `base + request path` (RFC 8555 §6.4): `requestUrl()` builds that string.

#include <string>
#include <string_view>

namespace legate::ido {

class AcmeUrls {
public:
    /// `base` is the configured public base URL without trailing slash;
    /// `publicationBase` the publication listener's, or "" when there is none;
    /// `nonceOnPublication`: that listener hands out the nonces (`publication.new-nonce`).
    AcmeUrls(std::string base, std::string tenant, std::string publicationBase = "",
             bool nonceOnPublication = false);

    const std::string& base() const { return base_; }
    /// "<base>/acme/<tenant>"
    const std::string& root() const { return root_; }

    std::string directory() const { return root_ + "/directory"; }
    /// What the directory advertises as newNonce.
    std::string newNonce() const {
        return (nonceRoot_.empty() ? root_ : nonceRoot_) + "/new-nonce";
    }
    std::string newAccount() const { return root_ + "/new-account"; }
    std::string newOrder() const { return root_ + "/new-order"; }
    std::string keyChange() const { return root_ + "/key-change"; }
    std::string revokeCert() const { return root_ + "/revoke-cert"; }
    std::string account(std::string_view id) const { return root_ + "/acct/" + std::string(id); }
    std::string accountOrders(std::string_view id) const { return account(id) + "/orders"; }
    std::string accountDelegations(std::string_view id) const {
        return account(id) + "/delegations";
    }
    std::string delegation(std::string_view id) const {
        return root_ + "/delegation/" + std::string(id);
    }
    std::string order(std::string_view id) const { return root_ + "/order/" + std::string(id); }
    std::string finalize(std::string_view id) const { return order(id) + "/finalize"; }
    /// The already-valid authorization `index` of an implicitly delegated order.
    std::string authorization(std::string_view orderId, size_t index) const {
        return order(orderId) + "/authz/" + std::to_string(index);
    }
    std::string certificate(std::string_view token) const {
        return root_ + "/cert/" + std::string(token);
    }
    /// The certificate URL an order hands out: on the publication listener when there is
    /// one and the order negotiated unauthenticated GET (edges fetch it there), else
    /// certificate().
    std::string publishedCertificate(std::string_view token, bool allowGet) const {
        if (allowGet && !publicationRoot_.empty()) {
            return publicationRoot_ + "/cert/" + std::string(token);
        }
        return certificate(token);
    }

    /// The account id in an account URL (`kid`), or "" when `url` is not one of ours.
    std::string accountIdFromUrl(std::string_view url) const;
    /// The delegation id in a delegation URL (newOrder's `delegation`), or "".
    std::string delegationIdFromUrl(std::string_view url) const;
    /// What the JWS `url` of a request for `rawPathAndQuery` must be.
    std::string requestUrl(std::string_view rawPathAndQuery) const {
        return base_ + std::string(rawPathAndQuery);
    }

private:
    std::string idAfter(std::string_view url, const std::string& prefix) const;
    std::string base_;
    std::string root_;
    std::string publicationRoot_;  // "" without a publication listener
    std::string nonceRoot_;        // publicationRoot_ when it hands out nonces, else ""
};

}  // namespace legate::ido
