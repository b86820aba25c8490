// The operator dashboard in a real browser: the real `ido serve` with a tenant whose
// upstream is a real Pebble (validation always succeeds, so no DNS is needed), Redis, a
// delegation whose STAR order is renewed by the IdO's emulation until it has two
// certificates; then headless Chromium loads /admin/dashboard with the token (the page's
// script has fetched its data and drawn the timeline by the time the DOM is dumped), is
// refused without it, and takes a screenshot into the build directory.

#include <regex>

#include <gtest/gtest.h>

#include "broker/core/Time.h"
#include "broker/http/HttpClient.h"
#include "broker/wire/Base64Url.h"
#include "profiles/CsrBuilder.h"
#include "profiles/TemplateParser.h"
#include "tests/integration/IdoProcess.h"
#include "tests/integration/IndependentNdc.h"
#include "tests/support/PebbleServer.h"
#include "tests/support/RedisServer.h"

namespace legate::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

/// The browser the suite uses (Debian's package is `chromium`).
std::string chromiumBinary() {
    for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
        if (haveProgram(name)) {
            return name;
        }
    }
    return "";
}

class DashboardChromium : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        LEGATE_REQUIRE_PEBBLE();
        browser_ = chromiumBinary();
        if (browser_.empty()) {
            GTEST_SKIP() << "chromium is not installed (apt install chromium)";
        }
        redis_ = std::make_unique<RedisServer>();
        PebbleServer::Options options;
        options.vaAlwaysValid = true;
        options.httpPort = freePort();
        pebble_ = std::make_unique<PebbleServer>(options);
        writeFile(dir_ / "roots.pem", pebble_->issuingRoot());
        json upstream = {
            {"directory", pebble_->directoryUrl()},
            {"ca-bundle", pebble_->caFile().string()},
            {"roots", (dir_ / "roots.pem").string()},
            {"account-key", (dir_ / "upstream-account.pem").string()},
            {"contact", {"mailto:ops@legate.test"}},
            {"solvers", {{"http-01", {{"listen", "127.0.0.1"}, {"port", options.httpPort}}}}},
            {"renewal", {{"lead-time", 4}}}};
        ido_ = std::make_unique<IdoProcess>(IdoProcess::Options{
            .redisUrl = redis_->url(),
            .minLifetime = 10,
            .maxDuration = 86400,
            .extra = {{"relay", {{"workers", 2}, {"claim-idle-ms", 1500}, {"tick-ms", 100}}}},
            .upstream = upstream,
            .env = {}});
        ido_->start();
    }

    void TearDown() override {
        if (HasFailure() && ido_) {
            std::cerr << "---- ido log ----\n" << ido_->log();
        }
    }

    /// Runs the browser on `url` with `flags`; its stdout (the DOM for --dump-dom).
    std::string browse(const std::string& url, std::vector<std::string> flags) {
        const auto out = dir_ / ("chromium-" + std::to_string(++runs_) + ".out");
        std::vector<std::string> argv = {browser_, "--headless", "--no-sandbox", "--disable-gpu",
                                         "--no-first-run", "--disable-dev-shm-usage",
                                         "--user-data-dir=" + (dir_ / "profile").string(),
                                         // The page's script fetches its data and draws
                                         // before the DOM is dumped.
                                         "--virtual-time-budget=5000"};
        argv.insert(argv.end(), flags.begin(), flags.end());
        argv.push_back(url);
        Process browser(argv, out, {{"HOME", dir_.path().string()}});
        const int status = browser.wait(40s);
        EXPECT_EQ(status, 0) << "chromium: " << readFile(out);
        return readFile(out);
    }

    std::string dashboardUrl(bool withToken) const {
        return ido_->adminUrl() + "/admin/dashboard" +
               (withToken ? "?token=" + ido_->adminToken() : std::string());
    }

    TempDir dir_;
    std::string browser_;
    int runs_ = 0;
    std::unique_ptr<RedisServer> redis_;
    std::unique_ptr<PebbleServer> pebble_;
    std::unique_ptr<IdoProcess> ido_;
};

size_t count(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++n;
    }
    return n;
}

TEST_F(DashboardChromium, ShowsTheDelegationAndItsTwoCertificatesOnlyWithTheToken) {
    // Onboard: NDC, delegation, the NDC's account, a short-lived STAR order.
    auto ndc = ido_->admin("POST", "/admin/v1/tenants/example/ndcs", {{"name", "Example CDN"}});
    ASSERT_EQ(ndc.status, 201) << ndc.body;
    auto d = ido_->admin(
        "POST",
        "/admin/v1/tenants/example/ndcs/" + ndc.json()["id"].get<std::string>() + "/delegations",
        {{"profile", "cdn-tls-ecdsa"}, {"names", {"www.legate.test"}}});
    ASSERT_EQ(d.status, 201) << d.body;
    const std::string delegationId = d.json()["id"];
    const std::string delegationUrl = d.json()["url"];
    const std::string eabKid = ndc.json()["eab"]["kid"];
    const std::string eabKey = ndc.json()["eab"]["hmac_key"];
    IndependentNdc client(ido_->directoryUrl(), ido_->caFile());
    auto account = client.registerAccount(eabKid, eabKey);
    ASSERT_EQ(account.status, 201) << account.body;
    auto delegation = client.post(delegationUrl, std::nullopt);
    auto tmpl = profiles::TemplateParser::parse(delegation.json().at("csr-template"));
    ASSERT_TRUE(tmpl.ok()) << tmpl.problem().detail;
    auto key = crypto::PrivateKey::generate(*profiles::CsrBuilder::chooseKeyType(*tmpl));
    auto csr = profiles::CsrBuilder::build(*tmpl, *key, {});
    ASSERT_TRUE(csr.ok()) << csr.problem().detail;
    const auto now = std::chrono::system_clock::now();
    const std::string newOrder = client.directory()["newOrder"];
    auto created = client.post(
        newOrder, json{{"identifiers", {{{"type", "dns"}, {"value", "www.legate.test"}}}},
                       {"delegation", delegationUrl},
                       {"auto-renewal",
                        {{"end-date", toRfc3339(now + 10min)},
                         {"lifetime", 12},
                         {"allow-certificate-get", true}}}});
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string finalize = created.json()["finalize"];
    auto finalized = client.post(finalize, json{{"csr", wire::base64UrlEncode(csr->der())}});
    ASSERT_EQ(finalized.status, 200) << finalized.body;

    // The emulation publishes certificate #1, then #2 ahead of #1's end: wait (by polling
    // the dashboard's own data) until the delegation shows two.
    http::HttpClient admin;
    http::Headers bearer;
    bearer.set("Authorization", "Bearer " + ido_->adminToken());
    json data;
    const bool two = pollUntil(
        [&] {
            auto r = admin.get(ido_->adminUrl() + "/admin/dashboard/data", bearer);
            if (!r.ok() || r->status != 200) {
                return false;
            }
            data = json::parse(r->body);
            const auto& ds = data["tenants"][0]["delegations"];
            return !ds.empty() && ds[0]["certificates"].size() >= 2;
        },
        40s);
    ASSERT_TRUE(two) << data.dump(2);
    const auto certificates = data["tenants"][0]["delegations"][0]["certificates"];

    // Without the token: refused, no data.
    const auto refused = browse(dashboardUrl(false), {"--dump-dom"});
    EXPECT_NE(refused.find("id=\"refused\""), std::string::npos) << refused;
    EXPECT_EQ(refused.find(delegationId), std::string::npos) << refused;
    EXPECT_EQ(browse(dashboardUrl(false) + "?token=wrong-token", {"--dump-dom"}).find(delegationId),
              std::string::npos);

    // With it: the token is exchanged for the session cookie, the page loads its data.
    const auto dom = browse(dashboardUrl(true), {"--dump-dom"});
    EXPECT_NE(dom.find("data-state=\"loaded\""), std::string::npos) << dom;
    EXPECT_NE(dom.find("<tr class=\"delegation\" data-delegation=\"" + delegationId + "\""),
              std::string::npos)
        << dom;
    EXPECT_NE(dom.find("www.legate.test"), std::string::npos);
    EXPECT_NE(dom.find("Example CDN"), std::string::npos);
    // Its certificates, in the table and as validity windows on the timeline.
    const std::string listed = "data-delegation=\"" + delegationId + "\" data-order=\"";
    EXPECT_GE(count(dom, "<li class=\"certificate "), 2u) << dom;
    EXPECT_GE(count(dom, "<rect class=\"cert "), 2u) << dom;
    EXPECT_GE(count(dom, listed), 4u) << dom;
    for (const auto& c : certificates) {
        EXPECT_NE(dom.find("#" + std::to_string(c["version"].get<int>()) + " " +
                           std::regex_replace(c["notBefore"].get<std::string>(),
                                              std::regex("T(.*)Z"), " $1 UTC")),
                  std::string::npos)
            << c.dump() << "\n"
            << dom;
    }

    // A screenshot for people.
    const auto png = std::filesystem::path(LEGATE_BUILD_DIR) / "dashboard.png";
    std::filesystem::remove(png);
    browse(dashboardUrl(true),
           {"--screenshot=" + png.string(), "--window-size=1400,1100", "--hide-scrollbars"});
    const auto image = readFile(png);
    ASSERT_GT(image.size(), 1000u);
    EXPECT_EQ(image.substr(1, 3), "PNG");
    std::cout << "dashboard screenshot: " << png.string() << "\n";

    // The same state as Prometheus sees it, and readiness with the upstream directory.
    auto metrics = admin.get(ido_->adminUrl() + "/metrics", bearer);
    ASSERT_TRUE(metrics.ok());
    ASSERT_EQ(metrics->status, 200);
    const std::string d1 = "{tenant=\"example\",delegation=\"" + delegationId + "\"} ";
    EXPECT_NE(metrics->body.find("legate_certificate_expiration_timestamp_seconds" + d1),
              std::string::npos)
        << metrics->body;
    EXPECT_NE(metrics->body.find("legate_delegations{tenant=\"example\",status=\"active\"} 1"),
              std::string::npos);
    EXPECT_NE(metrics->body.find("legate_relay_jobs_total{tenant=\"example\",kind=\"finalize\"} 1"),
              std::string::npos);
    EXPECT_NE(metrics->body.find("legate_relay_certificates_issued_total{tenant=\"example\"} "),
              std::string::npos);
    writeFile(std::filesystem::path(LEGATE_BUILD_DIR) / "metrics-sample.txt", metrics->body);
    auto ready = admin.get(ido_->adminUrl() + "/readyz");
    ASSERT_TRUE(ready.ok());
    EXPECT_EQ(ready->status, 200) << ready->body;
    EXPECT_EQ(json::parse(ready->body)["checks"]["upstream:example"], "ok") << ready->body;

    // The token never reaches the log (the sign-in link's query is redacted).
    const auto log = ido_->log();
    EXPECT_EQ(log.find(ido_->adminToken()), std::string::npos);
    EXPECT_NE(log.find("token=REDACTED"), std::string::npos);
}

}  // namespace
}  // namespace legate::test
