#include "tests/support/BoulderCa.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <deque>
#include <fstream>
#include <set>

#include "broker/core/Time.h"
#include "broker/crypto/CertificateBuilder.h"
#include "broker/crypto/Csr.h"
#include "broker/http/DevelopmentCertificate.h"
#include "broker/wire/Base64Url.h"

namespace legate::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

constexpr const char* kUrn = "urn:ietf:params:acme:error:";

/// The payload of a flattened JWS (not verified: the CA trusts its test).
json payloadOf(const std::string& body) {
    auto jws = json::parse(body, nullptr, false);
    if (!jws.is_object() || !jws.contains("payload") || !jws["payload"].is_string()) {
        return nullptr;
    }
    const std::string p = jws["payload"];
    if (p.empty()) {
        return json::object();  // POST-as-GET
    }
    auto bytes = wire::base64UrlDecode(p);
    if (!bytes.ok()) {
        return nullptr;
    }
    return json::parse(std::string(bytes->begin(), bytes->end()), nullptr, false);
}

std::chrono::seconds scaled(std::chrono::seconds d, double scale) {
    const auto s = static_cast<int64_t>(std::llround(static_cast<double>(d.count()) * scale));
    return std::chrono::seconds(std::max<int64_t>(1, s));
}

TimePoint wholeSeconds(TimePoint t) {
    return std::chrono::time_point_cast<Seconds>(t);
}

}  // namespace

struct BoulderCa::Impl {
    struct Authz {
        std::string identifier;
        std::string status = "pending";  // pending, valid
        std::string challengeStatus = "pending";
        std::string token;
        std::optional<TimePoint> validatedAt;
        TimePoint expires;
    };
    struct Order {
        json identifiers;
        std::string status = "pending";
        std::vector<std::string> authzIds;
        std::string profile;
        std::string replaces;
        TimePoint expires;
        std::optional<std::size_t> certificate;  // index into issued
    };

    BoulderCaOptions options;
    http::ServerPtr server;
    crypto::PrivateKey rootKey = std::move(*crypto::PrivateKey::generate(crypto::KeyType::P256));
    crypto::PrivateKey issuerKey = std::move(*crypto::PrivateKey::generate(crypto::KeyType::P256));
    std::optional<crypto::Certificate> root;
    std::optional<crypto::Certificate> intermediate;
    std::atomic<int> nonces{0};

    std::mutex mutex;  // guards everything below
    bool accountMade = false;
    std::vector<BoulderNewOrder> newOrders;
    std::vector<BoulderIssued> issued;
    std::map<std::string, Authz> authzs;
    std::map<std::string, Order> orders;
    std::deque<TimePoint> recentOrders;  // accepted new orders that count against the limit
    int challengesAnswered = 0;
    int authorizationsCreated = 0;
    int rateLimited = 0;
    int renewalInfoRequests = 0;
    std::vector<std::string> cancelRequests;
    std::vector<std::string> revokedSerials;
    bool holdValidation = false;
    bool holdIssuance = false;
    bool renewNow = false;
    bool failValidation = false;
    int nextId = 0;

    std::string base() const { return server->baseUrl(); }
    std::string nonce() { return wire::base64UrlEncode("boulder-" + std::to_string(nonces++)); }

    http::Response problem(int status, const std::string& type, const std::string& detail) {
        return http::Response::json(status,
                                    {{"type", kUrn + type}, {"detail", detail}, {"status", status}})
            .setHeader("Content-Type", "application/problem+json")
            .replayNonce(nonce());
    }

    const BoulderProfile* profile(const std::string& name) const {
        for (const auto& p : options.profiles) {
            if (p.name == name) {
                return &p;
            }
        }
        return nullptr;
    }

    // ---- everything below: mutex held ----

    void refreshOrder(Order& o) {
        if (o.status == "pending") {
            bool all = true;
            for (const auto& id : o.authzIds) {
                authzJson(id);  // lets a challenge being validated finish
                all = all && authzs[id].status == "valid";
                if (authzs[id].status == "invalid") {
                    o.status = "invalid";
                    return;
                }
            }
            if (all) {
                o.status = "ready";
            }
        }
        if (o.status == "processing" && !holdIssuance) {
            o.status = "valid";
        }
        if ((o.status == "pending" || o.status == "ready") && Clock::now() > o.expires) {
            o.status = "invalid";
        }
    }

    json orderJson(const std::string& id) {
        auto& o = orders[id];
        refreshOrder(o);
        json authz = json::array();
        for (const auto& a : o.authzIds) {
            authz.push_back(base() + "/authz/" + a);
        }
        json j = {{"status", o.status},
                  {"expires", toRfc3339(o.expires)},
                  {"identifiers", o.identifiers},
                  {"authorizations", authz},
                  {"finalize", base() + "/finalize/" + id},
                  {"profile", o.profile}};
        if (!o.replaces.empty()) {
            j["replaces"] = o.replaces;
        }
        if (o.status == "valid" && o.certificate) {
            j["certificate"] = base() + "/cert/" + std::to_string(*o.certificate);
        }
        return j;
    }

    json authzJson(const std::string& id) {
        auto& a = authzs[id];
        if (a.challengeStatus == "processing" && !holdValidation) {
            a.challengeStatus = failValidation ? "invalid" : "valid";
            a.status = a.challengeStatus;
            if (!failValidation) {
                a.validatedAt = Clock::now();
            }
        }
        json challenges = json::array();
        for (const char* type : {"http-01", "dns-01"}) {
            json c = {{"type", type},
                      {"url", base() + "/chall/" + id + "/" + type},
                      {"status", a.challengeStatus},
                      {"token", a.token}};
            if (a.challengeStatus == "invalid") {
                c["error"] = {{"type", std::string(kUrn) + "unauthorized"},
                              {"detail", "Invalid response from http://" + a.identifier +
                                             "/.well-known/acme-challenge/" + a.token},
                              {"status", 403}};
            }
            challenges.push_back(c);
        }
        return {{"identifier", {{"type", "dns"}, {"value", a.identifier}}},
                {"status", a.status},
                {"expires", toRfc3339(a.expires)},
                {"challenges", challenges}};
    }

    /// A reusable valid authorization for `name` under `p`, or a new pending one.
    std::string authzFor(const std::string& name, const BoulderProfile& p) {
        const auto now = Clock::now();
        for (const auto& [id, a] : authzs) {
            if (a.identifier == name && a.status == "valid" && a.validatedAt &&
                now - *a.validatedAt < p.authzReuse) {
                return id;
            }
        }
        Authz a;
        a.identifier = name;
        a.token = wire::base64UrlEncode("token-" + std::to_string(++nextId));
        a.expires = now + std::chrono::hours(24 * 7);
        const auto id = std::to_string(++nextId);
        authzs[id] = a;
        authorizationsCreated++;
        return id;
    }

    /// The issued certificate `replaces` names, or why it may not be replaced.
    std::optional<http::Response> checkReplaces(const std::string& replaces,
                                                const json& identifiers) {
        const BoulderIssued* found = nullptr;
        for (const auto& i : issued) {
            if (i.certId == replaces) {
                found = &i;
            }
        }
        if (!found) {
            return problem(400, "malformed",
                           "Replacement certificate not found: unable to find certificate with "
                           "serial for replaces \"" +
                               replaces + "\"");
        }
        std::set<std::string> names;
        for (const auto& id : identifiers) {
            names.insert(id.value("value", ""));
        }
        bool overlap = false;
        for (const auto& n : found->certificate.dnsNames()) {
            overlap = overlap || names.contains(n);
        }
        if (!overlap) {
            return problem(400, "malformed",
                           "Identifiers in this order do not match any identifiers in the "
                           "certificate being replaced");
        }
        for (auto& [id, o] : orders) {
            refreshOrder(o);
            if (o.replaces == replaces && o.status != "invalid" && o.status != "canceled") {
                return problem(409, "alreadyReplaced",
                               "cannot indicate an order replaces certificate with serial " +
                                   found->certificate.serialHex() +
                                   ", which already has a replacement order");
            }
        }
        return std::nullopt;
    }

    http::Response newOrder(const json& payload) {
        BoulderNewOrder record;
        record.payload = payload;
        auto answer = [&](http::Response r, int status, std::string type) {
            record.status = status;
            record.problem = type.empty() ? "" : kUrn + type;
            newOrders.push_back(record);
            return r;
        };
        if (!payload.is_object() || !payload.contains("identifiers") ||
            !payload["identifiers"].is_array() || payload["identifiers"].empty()) {
            return answer(problem(400, "malformed", "NewOrder request did not specify identifiers"),
                          400, "malformed");
        }
        // Boulder's WFE, exactly (wfe2 NewOrder).
        if (payload.contains("notBefore") || payload.contains("notAfter")) {
            return answer(problem(400, "malformed", "NotBefore and NotAfter are not supported"),
                          400, "malformed");
        }
        const std::string profileName = payload.value("profile", options.defaultProfile);
        const auto* p = profile(profileName);
        if (!p) {
            return answer(problem(400, "invalidProfile",
                                  "profile name \"" + profileName + "\" not recognized"),
                          400, "invalidProfile");
        }
        if (payload["identifiers"].size() > p->maxNames) {
            return answer(problem(400, "rejectedIdentifier",
                                  "Order cannot contain more than " + std::to_string(p->maxNames) +
                                      " identifiers"),
                          400, "rejectedIdentifier");
        }
        const std::string replaces = payload.value("replaces", "");
        if (!replaces.empty()) {
            if (!options.offerAri) {
                return answer(problem(400, "malformed", "replaces is not supported"), 400,
                              "malformed");
            }
            if (auto refused = checkReplaces(replaces, payload["identifiers"])) {
                const int status = refused->status();
                return answer(*refused, status, status == 409 ? "alreadyReplaced" : "malformed");
            }
        }
        const auto now = Clock::now();
        if (replaces.empty() && options.newOrdersPerWindow > 0) {
            while (!recentOrders.empty() && now - recentOrders.front() >= options.rateWindow) {
                recentOrders.pop_front();
            }
            if (static_cast<int>(recentOrders.size()) >= options.newOrdersPerWindow) {
                const auto wait = std::chrono::ceil<std::chrono::seconds>(recentOrders.front() +
                                                                          options.rateWindow - now);
                rateLimited++;
                return answer(
                    problem(429, "rateLimited",
                            "too many new orders (" + std::to_string(options.newOrdersPerWindow) +
                                ") recently: retry after " + toRfc3339(now + wait))
                        .retryAfter(std::max(wait, std::chrono::seconds(1))),
                    429, "rateLimited");
            }
            recentOrders.push_back(now);
        }
        Order o;
        o.identifiers = payload["identifiers"];
        o.profile = p->name;
        o.replaces = replaces;
        o.expires = now + p->orderLifetime;
        for (const auto& id : o.identifiers) {
            o.authzIds.push_back(authzFor(id.value("value", ""), *p));
        }
        const auto id = std::to_string(++nextId);
        orders[id] = o;
        record.orderUrl = base() + "/order/" + id;
        auto body = orderJson(id);
        return answer(
            http::Response::json(201, body).location(record.orderUrl).replayNonce(nonce()), 201,
            "");
    }

    http::Response finalize(const std::string& id, const json& payload) {
        if (!orders.contains(id)) {
            return problem(404, "malformed", "no such order");
        }
        auto& o = orders[id];
        refreshOrder(o);
        if (o.status != "ready") {
            return problem(
                403, "orderNotReady",
                "Order's status (\"" + o.status + "\") is not acceptable for finalization");
        }
        auto der = wire::base64UrlDecode(payload.value("csr", ""));
        if (!der.ok()) {
            return problem(400, "badCSR", "CSR is not base64url");
        }
        auto csr = crypto::Csr::fromDer(*der);
        if (!csr.ok()) {
            return problem(400, "badCSR",
                           "Error parsing certificate request: " + csr.problem().detail);
        }
        std::set<std::string> wanted;
        for (const auto& i : o.identifiers) {
            wanted.insert(i.value("value", ""));
        }
        const auto names = csr->dnsNames();
        if (std::set<std::string>(names.begin(), names.end()) != wanted) {
            return problem(400, "badCSR", "CSR does not specify same identifiers as Order");
        }
        const auto* p = profile(o.profile);
        const auto notBefore = wholeSeconds(Clock::now()) - options.backdate;
        auto cert = crypto::CertificateBuilder()
                        .dnsNames(names)
                        .validity(notBefore, notBefore + p->validity - std::chrono::seconds(1))
                        .serverAuth()
                        .issuedBy(csr->publicKey(), *intermediate, issuerKey);
        if (!cert.ok()) {
            return problem(500, "serverInternal", cert.problem().detail);
        }
        BoulderIssued i{*cert, certIdOf(*cert), o.profile, o.replaces, base() + "/order/" + id};
        issued.push_back(i);
        o.certificate = issued.size() - 1;
        o.status = "processing";
        return http::Response::json(200, orderJson(id)).replayNonce(nonce());
    }

    json renewalInfo(const BoulderIssued& i) {
        const auto nb = i.certificate.notBefore();
        const auto validity = i.certificate.notAfter() - nb;
        auto start = nb + std::chrono::duration_cast<Seconds>(validity * options.ariWindowStart);
        auto end = nb + std::chrono::duration_cast<Seconds>(validity * options.ariWindowEnd);
        if (renewNow) {
            end = wholeSeconds(Clock::now());
            start = end - std::chrono::seconds(1);
        }
        return {{"suggestedWindow", {{"start", toRfc3339(start)}, {"end", toRfc3339(end)}}}};
    }
};

std::vector<BoulderProfile> BoulderCa::letsEncryptProfiles(double scale) {
    using std::chrono::hours;
    auto h = [](int64_t n) { return std::chrono::duration_cast<std::chrono::seconds>(hours(n)); };
    return {
        {"classic", "The profile you're accustomed to", scaled(h(90 * 24), scale),
         scaled(h(30 * 24), scale), scaled(h(7 * 24), scale), 100},
        {"tlsserver", "Forward-looking TLS server profile", scaled(h(45 * 24), scale),
         scaled(h(7), scale), scaled(h(7 * 24), scale), 25},
        {"shortlived", "Six-day certificates", scaled(h(160), scale), scaled(h(7), scale),
         scaled(h(8), scale), 25},
    };
}

std::string BoulderCa::certIdOf(const crypto::Certificate& cert) {
    return wire::base64UrlEncode(cert.authorityKeyIdentifier()) + "." +
           wire::base64UrlEncode(cert.serialBytes());
}

BoulderCa::BoulderCa(const std::filesystem::path& dir, BoulderCaOptions options)
    : impl_(std::make_unique<Impl>()) {
    auto& m = *impl_;
    if (options.profiles.empty()) {
        options.profiles = letsEncryptProfiles();
    }
    m.options = std::move(options);
    auto tls = http::DevelopmentCertificate::ensure(dir, {"127.0.0.1"});
    if (!tls.ok()) {
        throw std::runtime_error("BoulderCa: " + tls.problem().detail);
    }
    tlsCaFile_ = tls->caCertificate;
    const auto now = wholeSeconds(Clock::now());
    m.root = *crypto::CertificateBuilder()
                  .commonName("Boulder Stand-in Root")
                  .validity(now - std::chrono::hours(1), now + std::chrono::hours(24 * 3650))
                  .certificateAuthority(1)
                  .selfSigned(m.rootKey);
    m.intermediate =
        *crypto::CertificateBuilder()
             .commonName("Boulder Stand-in E1")
             .validity(now - std::chrono::hours(1), now + std::chrono::hours(24 * 3650))
             .certificateAuthority(0)
             .issuedBy(m.issuerKey.publicKey(), *m.root, m.rootKey);
    rootsFile_ = dir / "boulder-root.pem";
    std::ofstream(rootsFile_) << m.root->toPem();

    auto router = std::make_shared<http::Router>();
    router->add("GET", "/dir", [&m](http::Request&) -> Result<http::Response> {
        json profiles = json::object();
        for (const auto& p : m.options.profiles) {
            profiles[p.name] = p.description;
        }
        json dir = {
            {"newNonce", m.base() + "/nonce"},
            {"newAccount", m.base() + "/acct"},
            {"newOrder", m.base() + "/new-order"},
            {"revokeCert", m.base() + "/revoke"},
            {"keyChange", m.base() + "/key-change"},
            {"meta",
             {{"termsOfService", "https://letsencrypt.example/terms"}, {"profiles", profiles}}}};
        if (m.options.offerAri) {
            dir["renewalInfo"] = m.base() + "/renewal-info";
        }
        return http::Response::json(200, dir);
    });
    router->add({"HEAD", "GET"}, "/nonce", [&m](http::Request&) -> Result<http::Response> {
        return http::Response(200).replayNonce(m.nonce());
    });
    router->add("POST", "/acct", [&m](http::Request& r) -> Result<http::Response> {
        auto payload = payloadOf(*r.body());
        std::lock_guard lock(m.mutex);
        if (payload.is_object() && payload.value("onlyReturnExisting", false) && !m.accountMade) {
            return m.problem(400, "accountDoesNotExist", "No account exists with the provided key");
        }
        m.accountMade = true;
        return http::Response::json(201, {{"status", "valid"}})
            .location(m.base() + "/acct/1")
            .replayNonce(m.nonce());
    });
    router->add("POST", "/new-order", [&m](http::Request& r) -> Result<http::Response> {
        auto payload = payloadOf(*r.body());
        std::lock_guard lock(m.mutex);
        return m.newOrder(payload);
    });
    router->add("POST", "/order/{id}", [&m](http::Request& r) -> Result<http::Response> {
        auto payload = payloadOf(*r.body());
        std::lock_guard lock(m.mutex);
        const auto id = r.param("id");
        if (!m.orders.contains(id)) {
            return m.problem(404, "malformed", "No order found for account ID");
        }
        if (payload.is_object() && payload.value("status", "") == "canceled") {
            m.cancelRequests.push_back(m.base() + "/order/" + id);
            auto& o = m.orders[id];
            m.refreshOrder(o);
            if (o.status == "processing" || o.status == "valid") {
                // Issuance has started: no CA can take it back; only revocation can.
                return m.problem(400, "malformed", "Order is " + o.status + ": cannot cancel");
            }
            o.status = "canceled";
        }
        return http::Response::json(200, m.orderJson(id)).replayNonce(m.nonce());
    });
    router->add("POST", "/authz/{id}", [&m](http::Request& r) -> Result<http::Response> {
        std::lock_guard lock(m.mutex);
        if (!m.authzs.contains(r.param("id"))) {
            return m.problem(404, "malformed", "No such authorization");
        }
        return http::Response::json(200, m.authzJson(r.param("id"))).replayNonce(m.nonce());
    });
    router->add("POST", "/chall/{id}/{type}", [&m](http::Request& r) -> Result<http::Response> {
        std::lock_guard lock(m.mutex);
        const auto id = r.param("id");
        if (!m.authzs.contains(id)) {
            return m.problem(404, "malformed", "No such challenge");
        }
        auto& a = m.authzs[id];
        m.challengesAnswered++;
        if (a.challengeStatus == "pending") {
            a.challengeStatus = "processing";
        }
        auto j = m.authzJson(id);
        for (auto& c : j["challenges"]) {
            if (c["type"] == r.param("type")) {
                return http::Response::json(200, c)
                    .link(m.base() + "/authz/" + id, "up")
                    .replayNonce(m.nonce());
            }
        }
        return m.problem(404, "malformed", "No such challenge type");
    });
    router->add("POST", "/finalize/{id}", [&m](http::Request& r) -> Result<http::Response> {
        auto payload = payloadOf(*r.body());
        std::lock_guard lock(m.mutex);
        return m.finalize(r.param("id"), payload.is_object() ? payload : json::object());
    });
    router->add("POST", "/cert/{n}", [&m](http::Request& r) -> Result<http::Response> {
        std::lock_guard lock(m.mutex);
        const auto n = static_cast<std::size_t>(std::atoi(r.param("n").c_str()));
        if (n >= m.issued.size()) {
            return m.problem(404, "malformed", "Certificate not found");
        }
        return http::Response::content(200,
                                       m.issued[n].certificate.toPem() + m.intermediate->toPem(),
                                       "application/pem-certificate-chain")
            .replayNonce(m.nonce());
    });
    router->add("GET", "/renewal-info/{id}", [&m](http::Request& r) -> Result<http::Response> {
        std::lock_guard lock(m.mutex);
        for (const auto& i : m.issued) {
            if (i.certId == r.param("id")) {
                m.renewalInfoRequests++;
                return http::Response::json(200, m.renewalInfo(i))
                    .retryAfter(m.options.ariRetryAfter);
            }
        }
        return http::Response::json(404, {{"type", std::string(kUrn) + "malformed"},
                                          {"detail", "Certificate not found"},
                                          {"status", 404}})
            .setHeader("Content-Type", "application/problem+json");
    });
    router->add("POST", "/revoke", [&m](http::Request& r) -> Result<http::Response> {
        auto payload = payloadOf(*r.body());
        std::lock_guard lock(m.mutex);
        auto der = wire::base64UrlDecode(payload.is_object() ? payload.value("certificate", "")
                                                             : std::string());
        auto cert = der.ok() ? crypto::Certificate::fromDer(*der)
                             : Result<crypto::Certificate>(der.problem());
        if (!cert.ok()) {
            return m.problem(400, "malformed", "Unable to decode certificate");
        }
        const auto serial = cert->serialHex();
        if (std::find(m.revokedSerials.begin(), m.revokedSerials.end(), serial) !=
            m.revokedSerials.end()) {
            return m.problem(400, "alreadyRevoked", "Certificate already revoked");
        }
        m.revokedSerials.push_back(serial);
        return http::Response(200).replayNonce(m.nonce());
    });

    http::ServerOptions serverOptions;
    serverOptions.host = "127.0.0.1";
    serverOptions.port = 0;
    serverOptions.tls = http::TlsFiles{tls->certificateChain, tls->privateKey};
    auto started = http::Server::start(serverOptions, router);
    if (!started.ok()) {
        throw std::runtime_error("BoulderCa: " + started.problem().detail);
    }
    m.server = std::move(*started);
}

// The server stops (drains its handlers) before anything they use is destroyed: the
// relay under test outlives the CA and may still be talking to it.
BoulderCa::~BoulderCa() {
    if (impl_ && impl_->server) {
        impl_->server->stop();
    }
}

std::string BoulderCa::directoryUrl() const {
    return impl_->base() + "/dir";
}

std::vector<BoulderNewOrder> BoulderCa::newOrders() {
    std::lock_guard lock(impl_->mutex);
    return impl_->newOrders;
}
std::vector<BoulderIssued> BoulderCa::issued() {
    std::lock_guard lock(impl_->mutex);
    return impl_->issued;
}
int BoulderCa::challengesAnswered() {
    std::lock_guard lock(impl_->mutex);
    return impl_->challengesAnswered;
}
int BoulderCa::authorizationsCreated() {
    std::lock_guard lock(impl_->mutex);
    return impl_->authorizationsCreated;
}
int BoulderCa::rateLimited() {
    std::lock_guard lock(impl_->mutex);
    return impl_->rateLimited;
}
int BoulderCa::renewalInfoRequests() {
    std::lock_guard lock(impl_->mutex);
    return impl_->renewalInfoRequests;
}
std::vector<std::string> BoulderCa::cancelRequests() {
    std::lock_guard lock(impl_->mutex);
    return impl_->cancelRequests;
}
std::vector<std::string> BoulderCa::revokedSerials() {
    std::lock_guard lock(impl_->mutex);
    return impl_->revokedSerials;
}
void BoulderCa::holdValidation(bool on) {
    std::lock_guard lock(impl_->mutex);
    impl_->holdValidation = on;
}
void BoulderCa::holdIssuance(bool on) {
    std::lock_guard lock(impl_->mutex);
    impl_->holdIssuance = on;
}
void BoulderCa::failValidation(bool on) {
    std::lock_guard lock(impl_->mutex);
    impl_->failValidation = on;
}
void BoulderCa::setNewOrderLimit(int orders, std::chrono::seconds window) {
    std::lock_guard lock(impl_->mutex);
    impl_->options.newOrdersPerWindow = orders;
    impl_->options.rateWindow = window;
    impl_->recentOrders.clear();
}
void BoulderCa::suggestRenewalNow(bool on) {
    std::lock_guard lock(impl_->mutex);
    impl_->renewNow = on;
}

}  // namespace legate::test
