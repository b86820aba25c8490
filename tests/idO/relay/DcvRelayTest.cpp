/// DCV delegation in the relay: the preflight runs before the upstream newOrder.  The
/// real RelayService against a Boulder-shaped CA (which records every newOrder it
/// receives), a real Redis, and a real named authoritative for the names' zone
/// `ido.example` and the validation zone `dcv.example`.  Nothing sleeps; every wait polls.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/crypto/Csr.h"
#include "broker/crypto/Key.h"
#include "broker/log/Setup.h"
#include "broker/wire/Base64Url.h"
#include "idO/relay/RelayService.h"
#include "idO/solvers/DcvDelegation.h"
#include "idO/state/TenantState.h"
#include "tests/support/BindServer.h"
#include "tests/support/BoulderCa.h"
#include "tests/support/RedisServer.h"
#include "tests/support/TestSupport.h"

namespace legate::ido::relay {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

class DcvRelayTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        LEGATE_REQUIRE_NAMED();
        (void)log::setup(log::Level::info, "stderr");
        redis_ = std::make_unique<test::RedisServer>();
        pool_ = std::make_unique<store::RedisPool>(*store::RedisUrl::parse(redis_->url()));
        state_ = std::make_unique<TenantState>(
            *pool_, TenantKeys(*store::KeyLayout::forTenant("example")), SystemClock::instance());
        bind_ = std::make_unique<test::BindServer>("ido.example",
                                                   std::vector<std::string>{"dcv.example"});
        names_ = std::make_unique<solvers::Rfc2136Client>(
            solvers::Rfc2136Client::create(zone("ido.example")).value());
    }

    solvers::Rfc2136Config zone(const std::string& name) const {
        solvers::Rfc2136Config c;
        c.port = static_cast<uint16_t>(bind_->port());
        c.zone = name;
        c.tsig = {bind_->tsigName(), bind_->tsigAlgorithm(), bind_->tsigSecret()};
        return c;
    }

    void startRelay(test::BoulderCa& ca) {
        UpstreamConfig up;
        up.directory = ca.directoryUrl();
        up.caBundle = ca.tlsCaFile().string();
        up.roots = ca.rootsFile().string();
        up.accountKey = (dir_ / "account.pem").string();
        up.orderValidity = OrderValidity::never;
        up.solvers.preference = {"dns-01"};
        solvers::Dns01SolverConfig dns;
        dns.dns = zone("dcv.example");
        dns.selfCheckInterval = 20ms;
        solvers::DcvDelegationConfig dcv;
        dcv.zone = "dcv.example";
        dcv.resolver.server = "127.0.0.1";
        dcv.resolver.port = static_cast<uint16_t>(bind_->port());
        dns.dcv = dcv;
        up.solvers.dns01 = dns;

        ServeConfig config;
        config.redis.url = redis_->url();
        config.relay.workers = 1;
        config.relay.claimIdleMs = 1000;
        config.relay.tickMs = 50;
        TenantConfig tenant;
        tenant.name = "example";
        tenant.upstream = up;
        config.tenants.push_back(tenant);
        auto service = RelayService::start(config, *store::RedisUrl::parse(redis_->url()),
                                           SystemClock::instance());
        ASSERT_TRUE(service.ok()) << service.problem().detail;
        relay_ = std::move(*service);
    }

    /// A non-STAR Order1 in processing for `names`, with a real CSR, as finalize leaves it.
    std::string processingOrder(const std::vector<std::string>& names) {
        auto ndc = state_->createNdc("cdn", "ops@cdn.example");
        AccountRecord a;
        a.id = newId();
        a.jwk = {{"kty", "OKP"}};
        a.thumbprint = "tp-" + a.id;
        EXPECT_TRUE(state_->bindAccount(a, ndc->ndc.eabKid)->ok());
        DelegationRecord d;
        d.ndcId = ndc->ndc.id;
        d.csrTemplate = {{"keyTypes", json::array()}};
        EXPECT_TRUE(state_->createDelegation(d)->ok());
        OrderRecord order;
        order.accountId = a.id;
        order.delegationId = d.id;
        for (const auto& n : names) {
            order.identifiers.push_back({"dns", n});
        }
        order.expires = std::chrono::system_clock::now() + 24h;
        EXPECT_TRUE(state_->createOrder(order)->ok());
        auto key = crypto::PrivateKey::generate(crypto::KeyType::P256);
        crypto::CsrRequest request;
        request.dnsNames = names;
        auto csr = crypto::createCsr(*key, request);
        EXPECT_TRUE(state_->acceptFinalize(order.id, wire::base64UrlEncode(csr->der()))->ok());
        return order.id;
    }

    std::optional<OrderRecord> order(const std::string& id) {
        auto o = state_->order(id);
        return o.ok() ? *o : std::nullopt;
    }

    void createCname(const std::string& name) {
        auto record = solvers::dcvRecord(name, "dcv.example").value();
        ASSERT_TRUE(names_->addRecord(record.owner, "CNAME", 60, record.target).ok());
    }

    test::TempDir dir_;
    std::unique_ptr<test::RedisServer> redis_;
    std::unique_ptr<store::RedisPool> pool_;
    std::unique_ptr<TenantState> state_;
    std::unique_ptr<test::BindServer> bind_;
    std::unique_ptr<solvers::Rfc2136Client> names_;
    std::unique_ptr<RelayService> relay_;
};

TEST_F(DcvRelayTest, AMissingCnameFailsTheOrderAndNoNewOrderReachesTheCa) {
    test::BoulderCa ca(dir_ / "ca", {});
    startRelay(ca);
    createCname("good.ido.example");
    const std::string id = processingOrder({"good.ido.example", "bad.ido.example"});
    ASSERT_TRUE(test::pollUntil([&] { return order(id) && order(id)->status == "invalid"; }, 30s))
        << (order(id) ? order(id)->status : "no order");
    EXPECT_TRUE(ca.newOrders().empty()) << "the preflight runs before any upstream order";

    const json error = order(id)->error;
    EXPECT_EQ(error.value("type", ""), "urn:ietf:params:acme:error:dns") << error.dump();
    ASSERT_TRUE(error.contains("subproblems")) << error.dump();
    ASSERT_EQ(error["subproblems"].size(), 1u) << error.dump();
    const auto& sub = error["subproblems"][0];
    EXPECT_EQ(sub["identifier"], (json{{"type", "dns"}, {"value", "bad.ido.example"}}));
    EXPECT_THAT(sub.value("detail", ""),
                HasSubstr(solvers::dcvRecord("bad.ido.example", "dcv.example")->zoneLine()));
    // Nothing of the IdO's DNS set-up leaks to the NDC.
    EXPECT_EQ(error.dump().find("127.0.0.1"), std::string::npos) << error.dump();
}

TEST_F(DcvRelayTest, WithEveryCnameTheOrderIsIssuedThroughTheValidationZone) {
    test::BoulderCa ca(dir_ / "ca", {});
    startRelay(ca);
    createCname("www.ido.example");
    createCname("ido.example");  // *.ido.example is validated at _acme-challenge.ido.example
    const std::string id = processingOrder({"www.ido.example", "*.ido.example"});
    ASSERT_TRUE(test::pollUntil([&] { return order(id) && order(id)->status == "valid"; }, 30s))
        << (order(id) ? order(id)->status + " " + order(id)->error.dump() : "no order");
    ASSERT_EQ(ca.newOrders().size(), 1u);
    EXPECT_EQ(ca.newOrders()[0].status, 201);
}

}  // namespace
}  // namespace legate::ido::relay
