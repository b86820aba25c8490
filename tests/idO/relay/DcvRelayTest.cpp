/// DCV delegation in the relay: the preflight runs before the upstream newOrder.  The
/// real RelayService against a Boulder-shaped CA (which records every newOrder it
/// receives), a real Redis, and a real named authoritative for the names' zone
/// `ido.example` and the validation zone `dcv.example`.  Nothing sleeps; every wait polls.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "idO/solvers/DcvDelegation.h"
#include "tests/idO/relay/RelayFixture.h"
#include "tests/support/BindServer.h"
#include "tests/support/BoulderCa.h"

namespace legate::ido::relay {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

class DcvRelayTest : public RelayFixture {
protected:
    void SetUp() override {
        RelayFixture::SetUp();
        if (IsSkipped()) {  // no redis-server: nothing below may run
            return;
        }
        LEGATE_REQUIRE_NAMED();
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

    /// dns-01 only, in `dcv.example` through the names' `_acme-challenge` CNAMEs.
    void startRelay(test::BoulderCa& ca) {
        auto up = upstream(ca.directoryUrl(), ca.tlsCaFile(), ca.rootsFile());
        up.orderValidity = OrderValidity::never;
        up.solvers.preference = {"dns-01"};
        up.solvers.http01.reset();
        solvers::Dns01SolverConfig dns;
        dns.dns = zone("dcv.example");
        dns.selfCheckInterval = 20ms;
        solvers::DcvDelegationConfig dcv;
        dcv.zone = "dcv.example";
        dcv.resolver.server = "127.0.0.1";
        dcv.resolver.port = static_cast<uint16_t>(bind_->port());
        dns.dcv = dcv;
        up.solvers.dns01 = dns;
        RelayFixture::startRelay(up, {.workers = 1});
    }

    /// A non-STAR Order1 in processing for `names`, with a real CSR, as finalize leaves it.
    std::string processingOrder(const std::vector<std::string>& names) {
        return RelayFixture::processingOrder("dcv", {.names = names, .lifetime = 0}).id;
    }

    void createCname(const std::string& name) {
        auto record = solvers::dcvRecord(name, "dcv.example").value();
        ASSERT_TRUE(names_->addRecord(record.owner, "CNAME", 60, record.target).ok());
    }

    std::unique_ptr<test::BindServer> bind_;
    std::unique_ptr<solvers::Rfc2136Client> names_;

    void TearDown() override {
        relay_.reset();  // before the name server it may still be asking
    }
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
