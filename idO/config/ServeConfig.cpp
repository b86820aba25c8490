#include "idO/config/ServeConfig.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "broker/core/ConfigReader.h"
#include "broker/wire/StrictJson.h"

namespace legate::ido {
namespace {

constexpr size_t kMaxConfigBytes = 4 * 1024 * 1024;

std::string resolve(const std::string& baseDir, const std::string& path) {
    if (path.empty() || std::filesystem::path(path).is_absolute()) {
        return path;
    }
    return (std::filesystem::path(baseDir) / path).lexically_normal().string();
}

ListenerConfig readListener(const ConfigNode& node, int defaultPort) {
    ListenerConfig l;
    l.address = node.string("listen", "127.0.0.1");
    l.port = static_cast<int>(node.integer("port", 0, 65535, defaultPort));
    return l;
}

bool isHttpsUrlWithoutTrailingSlash(const std::string& url) {
    static const std::regex kUrl(
        R"(^https://[A-Za-z0-9.\-\[\]:]+(:[0-9]{1,5})?(/[A-Za-z0-9._~\-/]*)?$)");
    return std::regex_match(url, kUrl) && !url.ends_with("/");
}

TlsConfig readTls(const ConfigNode& node, const std::string& baseDir) {
    TlsConfig tls;
    if (auto dev = node.optionalObject("development")) {
        tls.developmentDir = resolve(baseDir, dev->string("dir"));
        tls.developmentCaFile =
            resolve(baseDir, dev->string("ca-file", tls.developmentDir + "/ca.pem"));
        tls.developmentNames = dev->strings("names", {"localhost", "127.0.0.1"});
        if (node.has("certificate") || node.has("key")) {
            node.fail("give either certificate and key, or development, not both");
        }
        node.accept("certificate");
        node.accept("key");
        return tls;
    }
    tls.certificateFile = resolve(baseDir, node.string("certificate"));
    tls.keyFile = resolve(baseDir, node.string("key"));
    for (const auto& [member, file] :
         {std::pair{"certificate", tls.certificateFile}, std::pair{"key", tls.keyFile}}) {
        if (!file.empty() && !std::filesystem::exists(file)) {
            node.fail(member, "file not found: " + file);
        }
    }
    return tls;
}

std::string readToken(const ConfigNode& admin, const std::string& baseDir) {
    if (admin.has("token") == admin.has("token-file")) {
        admin.fail("give exactly one of token and token-file");
        admin.accept("token");
        admin.accept("token-file");
        return {};
    }
    std::string token;
    if (admin.has("token")) {
        token = admin.string("token");
    } else {
        const std::string file = resolve(baseDir, admin.string("token-file"));
        std::ifstream in(file);
        if (!in) {
            admin.fail("token-file", "cannot read " + file);
            return {};
        }
        std::getline(in, token);
    }
    if (!token.empty() && token.size() < 16) {
        admin.fail(admin.has("token") ? "token" : "token-file",
                   "the admin token must be at least 16 characters");
    }
    return token;
}

constexpr int64_t kMaxOpenOrders = 10000;

TenantConfig readTenant(const ConfigNode& node, std::set<std::string>& seen,
                        const std::string& baseDir, const LimitsConfig& defaults) {
    static const std::regex kName("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
    TenantConfig t;
    t.name = node.string("name");
    if (!t.name.empty() && !std::regex_match(t.name, kName)) {
        node.fail("name", "expected 1 to 63 of a-z, 0-9 and '-' (not at either end), got \"" +
                              t.name + "\"");
    } else if (!t.name.empty() && !seen.insert(t.name).second) {
        node.fail("name", "duplicate tenant \"" + t.name + "\"");
    }
    t.termsOfService = node.string("terms-of-service", "");
    t.website = node.string("website", "");
    t.implicitDelegation = node.boolean("implicit-delegation", false);
    if (auto star = node.optionalObject("star")) {
        t.star.minLifetime = star->integer("min-lifetime", 10, 366LL * 86400, t.star.minLifetime);
        t.star.maxDuration =
            star->integer("max-duration", 10, 10LL * 366 * 86400, t.star.maxDuration);
        if (t.star.maxDuration < t.star.minLifetime) {
            star->fail("max-duration", "must not be below min-lifetime");
        }
    }
    t.limits = {defaults.openOrdersPerAccount, defaults.openOrdersPerDelegation};
    if (auto limits = node.optionalObject("limits")) {
        t.limits.openOrdersPerAccount = limits->integer(
            "open-orders-per-account", 1, kMaxOpenOrders, t.limits.openOrdersPerAccount);
        t.limits.openOrdersPerDelegation = limits->integer(
            "open-orders-per-delegation", 1, kMaxOpenOrders, t.limits.openOrdersPerDelegation);
    }
    if (auto upstream = node.optionalObject("upstream")) {
        t.upstream = readUpstreamConfig(*upstream, baseDir);
    }
    return t;
}

}  // namespace

const TenantConfig* ServeConfig::tenant(const std::string& name) const {
    for (const auto& t : tenants) {
        if (t.name == name) {
            return &t;
        }
    }
    return nullptr;
}

std::variant<ServeConfig, ConfigErrors> parseServeConfig(const nlohmann::json& doc,
                                                         const std::string& baseDir) {
    ConfigReader reader(doc);
    auto root = reader.root();
    ServeConfig c;

    auto acme = root.object("acme");
    c.acme.listener = readListener(acme, 8443);
    c.acme.baseUrl = acme.string("base-url");
    if (!c.acme.baseUrl.empty() && !isHttpsUrlWithoutTrailingSlash(c.acme.baseUrl)) {
        acme.fail("base-url", "expected an https:// URL without a trailing slash, got \"" +
                                  c.acme.baseUrl + "\"");
    }
    c.acme.tls = readTls(acme.object("tls"), baseDir);

    auto admin = root.object("admin");
    c.admin.listener = readListener(admin, 8444);
    c.admin.token = readToken(admin, baseDir);

    if (auto publication = root.optionalObject("publication")) {
        PublicationConfig p;
        p.listener = readListener(*publication, 8445);
        p.baseUrl = publication->string("base-url");
        if (!isHttpsUrlWithoutTrailingSlash(p.baseUrl)) {
            publication->fail(
                "base-url",
                "expected an https:// URL without a trailing slash, got \"" + p.baseUrl + "\"");
        }
        p.threads = static_cast<int>(publication->integer("threads", 1, 64, p.threads));
        p.headerTimeoutMs =
            publication->integer("header-timeout-ms", 100, 300000, p.headerTimeoutMs);
        p.newNonce = publication->boolean("new-nonce", false);
        for (const auto* other : {&c.acme.listener, &c.admin.listener}) {
            if (p.listener.port != 0 && p.listener.port == other->port &&
                p.listener.address == other->address) {
                publication->fail("port", "the publication listener must have a port of its own");
            }
        }
        c.publication = std::move(p);
    }

    auto redis = root.object("redis");
    c.redis.url = redis.string("url");
    c.redis.poolSize = static_cast<int>(redis.integer("pool-size", 1, 1024, c.redis.poolSize));
    c.redis.connectTimeoutMs =
        static_cast<int>(redis.integer("connect-timeout-ms", 10, 60000, c.redis.connectTimeoutMs));
    c.redis.commandTimeoutMs =
        static_cast<int>(redis.integer("command-timeout-ms", 10, 60000, c.redis.commandTimeoutMs));

    if (auto limits = root.optionalObject("limits")) {
        auto& l = c.limits;
        l.maxBodyBytes = limits->integer("max-body-bytes", 1024, 16 << 20, l.maxBodyBytes);
        l.nonceTtlSeconds = limits->integer("nonce-ttl-seconds", 10, 86400, l.nonceTtlSeconds);
        l.orderTtlSeconds =
            limits->integer("order-ttl-seconds", 60, 90LL * 86400, l.orderTtlSeconds);
        l.threads = static_cast<int>(limits->integer("threads", 1, 1024, l.threads));
        l.queue = static_cast<int>(limits->integer("queue", 1, 65536, l.queue));
        l.pageSize = static_cast<int>(limits->integer("page-size", 1, 1000, l.pageSize));
        l.openOrdersPerAccount =
            limits->integer("open-orders-per-account", 1, kMaxOpenOrders, l.openOrdersPerAccount);
        l.openOrdersPerDelegation = limits->integer("open-orders-per-delegation", 1, kMaxOpenOrders,
                                                    l.openOrdersPerDelegation);
        l.expirySweepMs = limits->integer("expiry-sweep-ms", 100, 3600000, l.expirySweepMs);
        l.headerTimeoutMs = limits->integer("header-timeout-ms", 100, 600000, l.headerTimeoutMs);
        if (auto rate = limits->optionalObject("rate-limit")) {
            l.rateLimit.requestsPerSecond = static_cast<int>(
                rate->integer("requests-per-second", 1, 100000, l.rateLimit.requestsPerSecond));
            l.rateLimit.burst =
                static_cast<int>(rate->integer("burst", 1, 1000000, l.rateLimit.burst));
        }
    }

    if (auto log = root.optionalObject("log")) {
        static const std::set<std::string> kLevels = {"fatal",  "critical",    "error", "warning",
                                                      "notice", "information", "debug", "trace"};
        c.log.level = log->string("level", c.log.level);
        if (!kLevels.contains(c.log.level)) {
            log->fail("level",
                      "expected one of fatal, critical, error, warning, notice, "
                      "information, debug, trace");
        }
        c.log.file = resolve(baseDir, log->string("file", ""));
    }

    if (auto relay = root.optionalObject("relay")) {
        auto& r = c.relay;
        r.workers = static_cast<int>(relay->integer("workers", 0, 256, r.workers));
        r.claimIdleMs = relay->integer("claim-idle-ms", 100, 3600000, r.claimIdleMs);
        r.tickMs = relay->integer("tick-ms", 10, 60000, r.tickMs);
    }

    std::set<std::string> seen;
    for (const auto& t : root.array("tenants")) {
        c.tenants.push_back(readTenant(t, seen, baseDir, c.limits));
    }

    if (c.acme.listener.port != 0 && c.acme.listener.port == c.admin.listener.port &&
        c.acme.listener.address == c.admin.listener.address) {
        admin.fail("port", "the admin listener must not share the ACME listener's address");
    }

    auto problems = reader.finish();
    if (!problems.empty()) {
        return ConfigErrors{std::move(problems)};
    }
    return c;
}

std::variant<ServeConfig, ConfigErrors> loadServeConfig(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return ConfigErrors{{file + ": cannot read the file"}};
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto doc = wire::parseStrictJson(text.str(), {.maxBytes = kMaxConfigBytes});
    if (!doc.ok()) {
        return ConfigErrors{{file + ": " + doc.problem().detail}};
    }
    const auto baseDir = std::filesystem::absolute(file).parent_path().string();
    return parseServeConfig(*doc, baseDir);
}

}  // namespace legate::ido
