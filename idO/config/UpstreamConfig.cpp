#include "idO/config/UpstreamConfig.h"

#include <filesystem>

namespace legate::ido {
namespace {

std::string resolve(const std::string& baseDir, const std::string& path) {
    if (path.empty() || std::filesystem::path(path).is_absolute()) {
        return path;
    }
    return (std::filesystem::path(baseDir) / path).lexically_normal().string();
}

bool isHttpsUrl(const std::string& url) {
    return url.rfind("https://", 0) == 0 && url.size() > 8;
}

}  // namespace

std::optional<std::string> ProfilesConfig::forLifetime(int64_t lifetimeSeconds) const {
    if (star.empty()) {
        return std::string();
    }
    for (const auto& band : star) {
        if (lifetimeSeconds <= band.maxLifetimeSeconds) {
            return band.profile;
        }
    }
    return std::nullopt;
}

std::string_view nameOf(Termination t) {
    return t == Termination::revoke ? "revoke" : "stop-renewal";
}

std::optional<Termination> terminationOf(std::string_view name) {
    if (name == "stop-renewal") {
        return Termination::stopRenewal;
    }
    if (name == "revoke") {
        return Termination::revoke;
    }
    return std::nullopt;
}

std::string_view nameOf(OrderValidity v) {
    switch (v) {
        case OrderValidity::automatic:
            return "auto";
        case OrderValidity::send:
            return "send";
        case OrderValidity::never:
            return "never";
    }
    return "auto";
}

UpstreamConfig readUpstreamConfig(const ConfigNode& node, const std::string& baseDir) {
    UpstreamConfig u;
    u.directory = node.string("directory");
    if (!u.directory.empty() && !isHttpsUrl(u.directory)) {
        node.fail("directory",
                  "expected an https:// URL (RFC 8555 §6.1), got \"" + u.directory + "\"");
    }
    u.caBundle = resolve(baseDir, node.string("ca-bundle", ""));
    u.roots = resolve(baseDir, node.string("roots"));
    u.accountKey = resolve(baseDir, node.string("account-key"));
    u.contact = node.strings("contact", std::vector<std::string>{});
    if (auto eab = node.optionalObject("eab")) {
        u.eab = UpstreamEab{eab->string("kid"), eab->string("hmac-key")};
    }
    u.mode = node.string("mode", u.mode);
    if (u.mode != "auto" && u.mode != "emulate") {
        node.fail("mode", "expected \"auto\" or \"emulate\", got \"" + u.mode + "\"");
    }
    u.solvers = solvers::readSolverConfig(node.object("solvers"));
    if (auto cname = node.optionalObject("cname")) {
        u.cname = solvers::readCnameConfig(*cname);
    }
    if (node.has("revoke-on-termination")) {
        node.accept("revoke-on-termination");  // one clear error, not also "unknown member"
        // Refused rather than mapped: the choice is now per delegation with a tenant
        // default, and an operator upgrading should make it knowingly (docs/upstream.md).
        node.fail("revoke-on-termination",
                  "replaced by \"termination\": \"revoke\" or \"stop-renewal\" (the "
                  "tenant's default; each delegation may choose its own)");
    }
    const auto termination = node.string("termination", "stop-renewal");
    if (auto t = terminationOf(termination)) {
        u.termination = *t;
    } else {
        node.fail("termination",
                  "expected \"stop-renewal\" or \"revoke\", got \"" + termination + "\"");
    }
    if (auto renewal = node.optionalObject("renewal")) {
        auto& r = u.renewal;
        r.leadTimeSeconds = renewal->integer("lead-time", 1, 366LL * 86400, r.leadTimeSeconds);
        r.maxJitterSeconds = renewal->integer("max-jitter", 0, 366LL * 86400, r.maxJitterSeconds);
        r.paddingPercent =
            static_cast<int>(renewal->integer("padding-percent", 50, 99, r.paddingPercent));
        r.perTick = static_cast<int>(renewal->integer("per-tick", 1, 100000, r.perTick));
    }
    if (auto budget = node.optionalObject("budget")) {
        u.budget.orders = budget->integer("orders", 0, 100'000'000, 0);
        u.budget.periodSeconds = budget->integer("period", 1, 366LL * 86400, 10800);
        u.budget.ariExempt = budget->boolean("ari-exempt", true);
        if (auto limit = budget->optionalObject("certificates-per-domain")) {
            u.budget.certificatesPerDomain = limit->integer("limit", 1, 1'000'000);
            u.budget.perDomainPeriodSeconds =
                limit->integer("period", 1, 366LL * 86400, u.budget.perDomainPeriodSeconds);
        }
        if (auto limit = budget->optionalObject("duplicate-certificates")) {
            u.budget.duplicateCertificates = limit->integer("limit", 1, 1'000'000);
            u.budget.duplicatePeriodSeconds =
                limit->integer("period", 1, 366LL * 86400, u.budget.duplicatePeriodSeconds);
        }
        if (auto failures = budget->optionalObject("authorization-failures")) {
            u.budget.authorizationFailures =
                failures->integer("limit", 1, 1'000'000, u.budget.authorizationFailures);
            u.budget.failuresPeriodSeconds =
                failures->integer("period", 1, 366LL * 86400, u.budget.failuresPeriodSeconds);
        }
    }
    const auto validity = node.string("order-validity", "auto");
    if (validity == "auto") {
        u.orderValidity = OrderValidity::automatic;
    } else if (validity == "send") {
        u.orderValidity = OrderValidity::send;
    } else if (validity == "never") {
        u.orderValidity = OrderValidity::never;
    } else {
        node.fail("order-validity",
                  "expected \"auto\", \"send\" or \"never\", got \"" + validity + "\"");
    }
    if (auto profiles = node.optionalObject("profiles")) {
        u.profiles.nonStar = profiles->string("default", "");
        u.profiles.nonStarPath = profiles->path() + "/default";
        std::vector<ConfigNode> bands;
        if (profiles->has("star")) {
            bands = profiles->array("star");
        }
        for (auto& band : bands) {
            ProfileBand b;
            b.maxLifetimeSeconds = band.integer("max-lifetime", 1, 100LL * 366 * 86400);
            b.profile = band.string("profile");
            b.path = band.path() + "/profile";
            if (!u.profiles.star.empty() &&
                b.maxLifetimeSeconds <= u.profiles.star.back().maxLifetimeSeconds) {
                band.fail("max-lifetime", "bands must be in ascending order of max-lifetime");
            }
            u.profiles.star.push_back(std::move(b));
        }
    }
    u.ari = node.boolean("ari", true);
    return u;
}

}  // namespace legate::ido
