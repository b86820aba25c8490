#include "idO/tenant/AcmeUrls.h"

namespace legate::ido {

AcmeUrls::AcmeUrls(std::string base, std::string tenant, std::string publicationBase,
                   bool nonceOnPublication)
    : base_(std::move(base)),
      root_(base_ + "/acme/" + tenant),
      publicationRoot_(publicationBase.empty() ? "" : publicationBase + "/acme/" + tenant),
      nonceRoot_(nonceOnPublication ? publicationRoot_ : "") {}

std::string AcmeUrls::idAfter(std::string_view url, const std::string& prefix) const {
    if (!url.starts_with(prefix)) {
        return {};
    }
    url.remove_prefix(prefix.size());
    // An id is base64url: anything else (a '/', '?', '%') means it is not our URL.
    for (char c : url) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) {
            return {};
        }
    }
    return std::string(url);
}

std::string AcmeUrls::accountIdFromUrl(std::string_view url) const {
    return idAfter(url, root_ + "/acct/");
}

std::string AcmeUrls::delegationIdFromUrl(std::string_view url) const {
    return idAfter(url, root_ + "/delegation/");
}

}  // namespace legate::ido
