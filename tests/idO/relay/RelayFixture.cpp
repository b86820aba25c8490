#include "tests/idO/relay/RelayFixture.h"

#include "broker/crypto/Csr.h"
#include "broker/crypto/Key.h"
#include "broker/log/Setup.h"
#include "broker/wire/Base64Url.h"
#include "tests/support/BoulderCa.h"

namespace legate::ido::relay {

using namespace std::chrono_literals;

void RelayFixture::SetUp() {
    LEGATE_REQUIRE_REDIS();
    (void)log::setup(log::Level::info, "stderr");
    redis_ = std::make_unique<test::RedisServer>();
    pool_ = std::make_unique<store::RedisPool>(*store::RedisUrl::parse(redis_->url()));
    state_ = std::make_unique<TenantState>(
        *pool_, TenantKeys(*store::KeyLayout::forTenant("example")), SystemClock::instance());
}

UpstreamConfig RelayFixture::upstream(const std::string& directory,
                                      const std::filesystem::path& caBundle,
                                      const std::filesystem::path& roots) const {
    UpstreamConfig up;
    up.directory = directory;
    up.caBundle = caBundle.string();
    up.roots = roots.string();
    up.accountKey = (dir_ / "account.pem").string();
    up.solvers.preference = {"http-01"};
    up.solvers.http01 = solvers::Http01ResponderOptions{.host = "127.0.0.1", .port = 0};
    return up;
}

UpstreamConfig RelayFixture::upstream(test::BoulderCa& ca) const {
    auto up = upstream(ca.directoryUrl(), ca.tlsCaFile(), ca.rootsFile());
    up.renewal.leadTimeSeconds = 1;
    up.profiles.star = {{604800, "shortlived", ""}, {7776000, "classic", ""}};
    return up;
}

Result<std::unique_ptr<RelayService>> RelayFixture::tryStartRelay(const UpstreamConfig& up,
                                                                  RelayOptions options) {
    ServeConfig config;
    config.redis.url = redis_->url();
    config.relay.workers = options.workers;
    config.relay.claimIdleMs = 1000;
    config.relay.tickMs = options.tickMs;
    TenantConfig tenant;
    tenant.name = "example";
    tenant.upstream = up;
    config.tenants.push_back(tenant);
    return RelayService::start(config, *store::RedisUrl::parse(redis_->url()),
                               SystemClock::instance());
}

void RelayFixture::startRelay(const UpstreamConfig& up, RelayOptions options) {
    auto service = tryStartRelay(up, options);
    ASSERT_TRUE(service.ok()) << service.problem().detail;
    relay_ = std::move(*service);
}

RelayFixture::ProcessingOrder RelayFixture::processingOrder(const std::string& label,
                                                            const OrderSpec& spec) {
    const auto names =
        spec.names.empty() ? std::vector<std::string>{label + ".ido.example"} : spec.names;
    auto ndc = state_->createNdc("cdn-" + label, "ops@cdn.example");
    EXPECT_TRUE(ndc.ok());
    AccountRecord a;
    a.id = newId();
    a.jwk = {{"kty", "OKP"}};
    a.thumbprint = "tp-" + label;
    EXPECT_TRUE(state_->bindAccount(a, ndc->ndc.eabKid)->ok());
    DelegationRecord d;
    d.ndcId = ndc->ndc.id;
    d.csrTemplate = {{"keyTypes", nlohmann::json::array()}};
    d.termination = spec.termination;
    EXPECT_TRUE(state_->createDelegation(d)->ok());
    OrderRecord order;
    order.accountId = a.id;
    order.delegationId = d.id;
    for (const auto& name : names) {
        order.identifiers.push_back({"dns", name});
    }
    if (spec.lifetime > 0) {
        order.autoRenewal = {{"end-date", "2030-01-01T00:00:00Z"},
                             {"lifetime", spec.lifetime},
                             {"allow-certificate-get", true}};
    }
    order.expires = std::chrono::system_clock::now() + 24h;
    EXPECT_TRUE(state_->createOrder(order)->ok());
    auto key = crypto::PrivateKey::generate(crypto::KeyType::P256);
    crypto::CsrRequest request;
    request.dnsNames = names;
    auto csr = crypto::createCsr(*key, request);
    EXPECT_TRUE(csr.ok());
    const std::string der(csr->der().begin(), csr->der().end());
    EXPECT_TRUE(
        state_->acceptFinalize(order.id, spec.base64UrlCsr ? wire::base64UrlEncode(der) : der)
            ->ok());
    return {order.id, der};
}

std::optional<OrderRecord> RelayFixture::order(const std::string& id) {
    auto o = state_->order(id);
    return o.ok() ? *o : std::nullopt;
}

std::string RelayFixture::statusOf(const std::string& id) {
    auto o = order(id);
    return o ? o->status : "";
}

}  // namespace legate::ido::relay
