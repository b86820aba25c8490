#include "idO/cli/AdminClient.h"

#include <cctype>

namespace legate::ido {

AdminClient::AdminClient(std::string baseUrl, std::string token,
                         std::chrono::milliseconds connectTimeout)
    : client_(http::HttpClientOptions{.connectTimeout = connectTimeout,
                                      .totalTimeout = std::chrono::seconds(60),
                                      .maxAttempts = 1}),
      baseUrl_(std::move(baseUrl)),
      token_(std::move(token)) {
    while (!baseUrl_.empty() && baseUrl_.back() == '/') {
        baseUrl_.pop_back();
    }
}

std::string AdminClient::tenantPath(const std::string& tenant) {
    return "/admin/v1/tenants/" + pathSegment(tenant);
}

std::string AdminClient::pathSegment(const std::string& text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

Result<AdminAnswer> AdminClient::request(const std::string& method, const std::string& path,
                                         const std::optional<nlohmann::json>& body) {
    http::Headers headers{{"Authorization", "Bearer " + token_}, {"Accept", "application/json"}};
    std::string text;
    if (body && !body->is_null()) {
        headers.add("Content-Type", "application/json");
        text = body->dump();
    }
    auto r = client_.request(method, baseUrl_ + path, headers, text);
    if (!r) {
        return std::move(r).problem();
    }
    return AdminAnswer{r->status, std::move(r->headers), std::move(r->body)};
}

}  // namespace legate::ido
