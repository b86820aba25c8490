#include "idO/monitor/DashboardRoutes.h"

#include <memory>

#include <Poco/URI.h>

#include "broker/core/Time.h"
#include "broker/http/ProblemResponse.h"
#include "idO/admin/BearerToken.h"
#include "idO/monitor/DashboardPage.h"
#include "idO/monitor/DashboardSession.h"

namespace legate::ido {
namespace {

struct Credentials {
    BearerToken bearer;
    DashboardSession session;
};

bool authorised(const Credentials& credentials, const http::Request& request) {
    return credentials.bearer.check(request.header("Authorization")).ok() ||
           credentials.session.hasSession(request.header("Cookie"));
}

/// The `token` query parameter, if the target has one (percent-decoded).
std::optional<std::string> queryToken(const std::string& target) {
    if (target.find('?') == std::string::npos) {
        return std::nullopt;
    }
    try {
        for (const auto& [name, value] : Poco::URI(target).getQueryParameters()) {
            if (name == "token") {
                return value;
            }
        }
    } catch (const std::exception&) {
        // A malformed query is no token.
    }
    return std::nullopt;
}

http::Response page(int status, std::string body, const std::string& policy) {
    auto response = http::Response::content(status, std::move(body), "text/html; charset=utf-8");
    response.cacheControl("no-store");
    response.setHeader("Content-Security-Policy", policy);
    response.setHeader("Referrer-Policy", "no-referrer");
    response.setHeader("X-Content-Type-Options", "nosniff");
    response.setHeader("X-Frame-Options", "DENY");
    return response;
}

http::Response refused(const std::string& reason) {
    auto response = page(401, DashboardPage::signIn(reason),
                         "default-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    response.setHeader("WWW-Authenticate", "Bearer");
    return response;
}

}  // namespace

void addDashboardRoutes(http::Router& router, OverviewSource overviews, const Clock& clock,
                        const std::string& bearerToken) {
    auto credentials = std::make_shared<const Credentials>(
        Credentials{BearerToken(bearerToken), DashboardSession(bearerToken)});

    router.add({"GET", "HEAD"}, "/admin/dashboard",
               [credentials](http::Request& request) -> Result<http::Response> {
                   if (const auto token = queryToken(request.target())) {
                       if (!credentials->session.isToken(*token)) {
                           return refused("That token is not the admin token.");
                       }
                       // Exchange it for the session cookie and drop it from the URL.
                       auto response = page(303, "", "default-src 'none'");
                       response.location("/admin/dashboard");
                       response.setHeader("Set-Cookie", credentials->session.setCookie());
                       return response;
                   }
                   if (!authorised(*credentials, request)) {
                       return refused("The dashboard needs the admin token.");
                   }
                   return page(200, DashboardPage::html(), DashboardPage::contentSecurityPolicy());
               });

    router.add({"GET", "HEAD"}, "/admin/dashboard/data",
               [credentials, overviews = std::move(overviews),
                &clock](http::Request& request) -> Result<http::Response> {
                   if (!authorised(*credentials, request)) {
                       auto response = http::problemResponse(acme::Problem::make(
                           acme::ErrorType::unauthorized,
                           "the admin bearer token or the dashboard session is required", 401));
                       response.setHeader("WWW-Authenticate", "Bearer");
                       return response;
                   }
                   auto all = overviews();
                   LEGATE_TRY(all);
                   nlohmann::json tenants = nlohmann::json::array();
                   for (const auto& o : *all) {
                       tenants.push_back(o.toJson());
                   }
                   auto response = http::Response::json(
                       200, {{"generated", toRfc3339(clock.now())}, {"tenants", tenants}});
                   response.cacheControl("no-store");
                   return response;
               });
}

}  // namespace legate::ido
