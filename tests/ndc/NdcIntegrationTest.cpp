// The `ndc` binary against a real `ido serve` and redis-server, over HTTPS on loopback.
//
// The IdO's relay to the upstream CA is not part of these tests: when an order reaches
// `processing`, the test publishes a certificate for it itself (TenantState, the same
// Redis), issued by a test CA for the CSR's key; that CA is the daemon's trust anchor.

#include <signal.h>
#include <sstream>

#include <gtest/gtest.h>

#include "broker/core/Time.h"
#include "broker/crypto/Certificate.h"
#include "broker/crypto/CertificateBuilder.h"
#include "broker/http/HttpClient.h"
#include "broker/store/RedisPool.h"
#include "idO/state/TenantState.h"
#include "ndc/Agent.h"
#include "ndc/Commands.h"
#include "tests/integration/IdoProcess.h"
#include "tests/support/RedisServer.h"
#include "tests/support/TestSupport.h"

namespace legate::test {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

std::string ndcBinary() {
    return LEGATE_NDC_BINARY;
}

TimePoint now() {
    return std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
}

class NdcTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        redis_ = std::make_unique<RedisServer>();
        IdoProcess::Options options;
        options.redisUrl = redis_->url();
        ido_ = std::make_unique<IdoProcess>(options);
        ido_->start();
        pool_ = std::make_unique<store::RedisPool>(*store::RedisUrl::parse(redis_->url()));
        state_ = std::make_unique<ido::TenantState>(
            *pool_, ido::TenantKeys(*store::KeyLayout::forTenant("example")),
            SystemClock::instance());
        caKey_.emplace(*crypto::PrivateKey::generate(crypto::KeyType::P256));
        caCert_.emplace(*crypto::CertificateBuilder()
                             .commonName("NDC Test Upstream Root")
                             .validity(now() - hours(24), now() + hours(24 * 30))
                             .certificateAuthority()
                             .selfSigned(*caKey_));
        writeFile(dir_ / "trust.pem", caCert_->toPem());
    }

    void TearDown() override {
        if (HasFailure() && ido_) {
            std::cerr << "---- ido log (tail) ----\n" << tail(ido_->log(), 3000) << "\n";
            std::cerr << "---- ndc log (tail) ----\n"
                      << tail(readFile(dir_ / "ndc.log"), 5000) << "\n---- ndc state ----\n"
                      << readFile(dir_ / "state" / "state.json") << "\n";
        }
    }

    static std::string tail(const std::string& s, size_t n) {
        return s.size() > n ? s.substr(s.size() - n) : s;
    }

    json admin(const std::string& method, const std::string& path, const json& body = nullptr) {
        auto r = ido_->admin(method, path, body);
        EXPECT_TRUE(r.success()) << r.body;
        return r.json();
    }

    /// An NDC onboarded through the admin API (its id and EAB credentials).
    json onboardNdc() {
        return admin("POST", "/admin/v1/tenants/example/ndcs",
                     {{"name", "cdn"}, {"contact", "mailto:ops@cdn.example"}});
    }

    std::string addDelegation(const json& ndc, const std::string& name) {
        auto d =
            admin("POST",
                  "/admin/v1/tenants/example/ndcs/" + ndc["id"].get<std::string>() + "/delegations",
                  {{"profile", "cdn-tls-ecdsa"}, {"names", {name}}});
        return d["url"].get<std::string>();
    }

    /// Runs an ndc command in this process (same code as the binary: ndc_core).
    int ndc(std::vector<std::string> args, std::string* out = nullptr, std::string* err = nullptr) {
        std::ostringstream o;
        std::ostringstream e;
        const int code = ndc::runCommand(args, o, e);
        if (out) {
            *out = o.str();
        }
        if (err) {
            *err = e.str();
        }
        if (code != 0 && !err) {
            ADD_FAILURE() << "ndc " << args[0] << " exited " << code << ": " << e.str() << o.str();
        }
        return code;
    }

    /// The EAB MAC key in a file, as `ndc register --eab-hmac-key-file` reads it.
    std::string eabKeyFile(const std::string& key, const std::string& name = "eab.key") {
        writeFile(dir_ / name, key + "\n");
        return (dir_ / name).string();
    }

    /// `ndc register` with the NDC's EAB credentials into `stateDir`.
    void registerNdc(const json& ndcInfo, const std::filesystem::path& stateDir) {
        ASSERT_EQ(
            ndc({"register", "--server", ido_->directoryUrl(),
                 "--eab-kid=" + ndcInfo["eab"]["kid"].get<std::string>(),
                 "--eab-hmac-key-file=" + eabKeyFile(ndcInfo["eab"]["hmac_key"].get<std::string>()),
                 "--ca-bundle", ido_->caFile(), "--state", stateDir.string()}),
            0);
    }

    static json stateOf(const std::filesystem::path& stateDir) {
        return json::parse(readFile(stateDir / "state.json"), nullptr, false);
    }

    static json slotOf(const std::filesystem::path& stateDir, const std::string& slot) {
        auto s = stateOf(stateDir);
        if (s.is_object() && s["slots"].contains(slot)) {
            return s["slots"][slot];
        }
        return json::object();
    }

    /// Waits until the slot's order exists and is `processing` at the IdO; its URL.
    std::string awaitProcessingOrder(const std::filesystem::path& stateDir,
                                     const std::string& slot) {
        std::string url;
        const bool ok = pollUntil(
            [&] {
                url = slotOf(stateDir, slot).value("order", "");
                if (url.empty()) {
                    return false;
                }
                auto o = state_->order(url.substr(url.rfind('/') + 1));
                return o.ok() && o->has_value() && (*o)->status == "processing";
            },
            seconds(20));
        EXPECT_TRUE(ok) << "no processing order for " << slot;
        return url;
    }

    /// Publishes a chain for the order, as the relay will: a leaf for `key` and `names`
    /// issued by the test CA.  Returns the leaf's serial.
    std::string publish(const std::string& orderUrl, const crypto::PublicKey& key,
                        const std::vector<std::string>& names, TimePoint nb, TimePoint na) {
        auto order = state_->order(orderUrl.substr(orderUrl.rfind('/') + 1));
        EXPECT_TRUE(order.ok() && order->has_value());
        if (!order.ok() || !order->has_value()) {
            return "";
        }
        auto leaf =
            crypto::CertificateBuilder().dnsNames(names).validity(nb, na).serverAuth().issuedBy(
                key, *caCert_, *caKey_);
        EXPECT_TRUE(leaf.ok());
        auto published = state_->publishCertificate(
            (*order)->certToken, leaf->toPem() + caCert_->toPem(), nb, na, nb + minutes(50));
        EXPECT_TRUE(published.ok() && published->ok());
        return leaf->serialHex();
    }

    static crypto::PublicKey slotKey(const std::filesystem::path& stateDir,
                                     const std::string& slot) {
        auto key = crypto::PrivateKey::fromPem(readFile(stateDir / "keys" / (slot + ".key")));
        EXPECT_TRUE(key.ok()) << "no key for " << slot;
        return key.ok() ? key->publicKey() : crypto::PublicKey::adopt(nullptr);
    }

    static std::string installedSerial(const std::filesystem::path& out) {
        auto chain = crypto::parsePemCertificates(readFile(out / "fullchain.pem"));
        return chain.ok() && !chain->empty() ? chain->front().serialHex() : "";
    }

    /// A daemon config for the given slots, with timing fit for tests.
    std::filesystem::path writeConfig(const std::filesystem::path& stateDir, json slots,
                                      const std::string& name = "ndc.json") {
        json config = {{"state", stateDir.string()},
                       {"trust", (dir_ / "trust.pem").string()},
                       {"log", {{"level", "debug"}, {"file", (dir_ / "ndc.log").string()}}},
                       {"timing",
                        {{"min-interval", 1},
                         {"max-interval", 1},
                         {"initial-backoff", 1},
                         {"max-backoff", 2},
                         {"max-order-poll", 1},
                         {"jitter-percent", 0}}},
                       {"delegations", std::move(slots)}};
        writeFile(dir_ / name, config.dump(2));
        return dir_ / name;
    }

    std::unique_ptr<Process> startDaemon(const std::filesystem::path& config) {
        return std::make_unique<Process>(
            std::vector<std::string>{ndcBinary(), "run", "--config", config.string()},
            dir_ / "ndc.out");
    }

    TempDir dir_;
    std::unique_ptr<RedisServer> redis_;
    std::unique_ptr<IdoProcess> ido_;
    std::unique_ptr<store::RedisPool> pool_;
    std::unique_ptr<ido::TenantState> state_;
    std::optional<crypto::PrivateKey> caKey_;
    std::optional<crypto::Certificate> caCert_;
};

// ---- the commands ----

TEST_F(NdcTest, RegisterListDelegationsAndOrderWithTheRealBinary) {
    auto ndcInfo = onboardNdc();
    const auto delegationUrl = addDelegation(ndcInfo, "abc.ido.example");
    const auto stateDir = dir_ / "state";

    // register: through the binary, human output, the EAB key on stdin ("-").
    Process reg(
        {"/bin/sh", "-c", "k=$1; shift; exec \"$@\" --eab-hmac-key-file=- < \"$k\"", "sh",
         eabKeyFile(ndcInfo["eab"]["hmac_key"].get<std::string>()), ndcBinary(), "register",
         "--server", ido_->directoryUrl(), "--eab-kid=" + ndcInfo["eab"]["kid"].get<std::string>(),
         "--ca-bundle", ido_->caFile(), "--state", stateDir.string()},
        dir_ / "register.log");
    ASSERT_EQ(reg.wait(seconds(20)), 0) << readFile(dir_ / "register.log");
    const auto regOut = readFile(dir_ / "register.log");
    EXPECT_NE(regOut.find("(created)"), std::string::npos) << regOut;
    EXPECT_EQ(std::filesystem::status(stateDir / "keys" / "account.key").permissions() &
                  std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

    // delegations: JSON for scripts, text for people.
    std::string out;
    ASSERT_EQ(ndc({"delegations", "--state", stateDir.string(), "--json"}, &out), 0);
    auto list = json::parse(out);
    ASSERT_EQ(list["delegations"].size(), 1u) << out;
    EXPECT_EQ(list["delegations"][0]["url"], delegationUrl);
    EXPECT_EQ(list["delegations"][0]["names"], json::array({"abc.ido.example"}));
    ASSERT_EQ(ndc({"delegations", "--state", stateDir.string()}, &out), 0);
    EXPECT_NE(out.find("abc.ido.example"), std::string::npos) << out;
    EXPECT_NE(out.find("key types:"), std::string::npos) << out;

    // order: the binary as a subprocess; the test plays the relay when it is processing.
    const auto edge = dir_ / "edge";
    Process order(
        {ndcBinary(),       "order",  "--delegation", delegationUrl, "--star",
         "--lifetime",      "3600",   "--out",        edge.string(), "--state",
         stateDir.string(), "--name", "www",          "--trust",     (dir_ / "trust.pem").string(),
         "--max-poll",      "1",      "--timeout",    "30",          "--json"},
        dir_ / "order.log");
    const auto orderUrl = awaitProcessingOrder(stateDir, "www");
    ASSERT_FALSE(orderUrl.empty()) << readFile(dir_ / "order.log");
    const auto serial = publish(orderUrl, slotKey(stateDir, "www"), {"abc.ido.example"},
                                now() - minutes(1), now() + hours(2));
    ASSERT_EQ(order.wait(seconds(30)), 0) << readFile(dir_ / "order.log");
    const auto orderOut = readFile(dir_ / "order.log");
    auto result = json::parse(orderOut.substr(orderOut.find('{')), nullptr, false);
    ASSERT_TRUE(result.is_object()) << orderOut;
    EXPECT_EQ(result["serial"], serial);
    EXPECT_EQ(result["order"], orderUrl);
    EXPECT_EQ(installedSerial(edge), serial);
    EXPECT_EQ(readFile(edge / "key.pem"), readFile(stateDir / "keys" / "www.key"));
    EXPECT_EQ(std::filesystem::status(edge / "key.pem").permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

    // status shows it, with the validity.
    ASSERT_EQ(ndc({"status", "--state", stateDir.string(), "--json"}, &out), 0);
    auto status = json::parse(out);
    EXPECT_EQ(status["slots"][0]["installed"]["serial"], serial) << out;
    EXPECT_EQ(status["slots"][0]["installed"]["valid"], true);
}

TEST_F(NdcTest, NonStarOrderIsFetchedFromTheCertificateUrl) {
    auto ndcInfo = onboardNdc();
    const auto delegationUrl = addDelegation(ndcInfo, "abc.ido.example");
    const auto stateDir = dir_ / "state";
    registerNdc(ndcInfo, stateDir);
    const auto edge = dir_ / "edge";
    Process order({ndcBinary(), "order", "--delegation", delegationUrl, "--no-star", "--out",
                   edge.string(), "--state", stateDir.string(), "--trust",
                   (dir_ / "trust.pem").string(), "--max-poll", "1", "--timeout", "30"},
                  dir_ / "order.log");
    const auto slot = delegationUrl.substr(delegationUrl.rfind('/') + 1);  // default name
    const auto orderUrl = awaitProcessingOrder(stateDir, slot);
    ASSERT_FALSE(orderUrl.empty()) << readFile(dir_ / "order.log");
    const auto serial = publish(orderUrl, slotKey(stateDir, slot), {"abc.ido.example"},
                                now() - minutes(1), now() + hours(24));
    ASSERT_EQ(order.wait(seconds(30)), 0) << readFile(dir_ / "order.log");
    const auto out = readFile(dir_ / "order.log");
    EXPECT_NE(out.find("] valid        certificate https://"), std::string::npos) << out;
    EXPECT_NE(out.find("chain verifies"), std::string::npos) << out;
    EXPECT_EQ(installedSerial(edge), serial);
    EXPECT_EQ(slotOf(stateDir, slot)["star"], false);
}

TEST_F(NdcTest, ErrorsCarryTheServersProblemTypeAndDetail) {
    auto ndcInfo = onboardNdc();
    const auto delegationUrl = addDelegation(ndcInfo, "abc.ido.example");
    const auto stateDir = dir_ / "state";
    registerNdc(ndcInfo, stateDir);
    std::string out;
    std::string err;
    // A delegation URL the account does not have.
    EXPECT_EQ(ndc({"order", "--delegation", delegationUrl + "x", "--out", (dir_ / "e").string(),
                   "--state", stateDir.string()},
                  &out, &err),
              1);
    EXPECT_NE(err.find("urn:ietf:params:acme:error:"), std::string::npos) << err;
    // A wrong EAB key: unauthorized from newAccount.
    EXPECT_EQ(ndc({"register", "--server", ido_->directoryUrl(),
                   "--eab-kid=" + ndcInfo["eab"]["kid"].get<std::string>(),
                   "--eab-hmac-key-file=" +
                       eabKeyFile("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "wrong.key"),
                   "--ca-bundle", ido_->caFile(), "--state", (dir_ / "other").string()},
                  &out, &err),
              1);
    EXPECT_NE(err.find("newAccount failed: urn:ietf:params:acme:error:"), std::string::npos) << err;
    // Usage errors are exit code 2: the key on the command line is no longer accepted,
    // an empty or missing key file is refused before anything is sent.
    EXPECT_EQ(ndc({"register", "--server", ido_->directoryUrl(), "--eab-kid=k",
                   "--eab-hmac=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "--state",
                   (dir_ / "other").string()},
                  &out, &err),
              2);
    EXPECT_NE(err.find("unknown option --eab-hmac"), std::string::npos) << err;
    EXPECT_EQ(ndc({"register", "--server", ido_->directoryUrl(), "--eab-kid=k",
                   "--eab-hmac-key-file=" + eabKeyFile(" \n", "empty.key"), "--state",
                   (dir_ / "other").string()},
                  &out, &err),
              2);
    EXPECT_NE(err.find("holds no key"), std::string::npos) << err;
    EXPECT_EQ(ndc({"register", "--server", ido_->directoryUrl(), "--eab-kid=k",
                   "--eab-hmac-key-file=" + (dir_ / "missing.key").string(), "--state",
                   (dir_ / "other").string()},
                  &out, &err),
              2);
    EXPECT_NE(err.find("cannot read"), std::string::npos) << err;
    EXPECT_EQ(ndc({"order", "--state", stateDir.string()}, &out, &err), 2);
    EXPECT_NE(err.find("needs --delegation"), std::string::npos) << err;
    EXPECT_EQ(ndc({"order", "--bogus"}, &out, &err), 2);
}

// ---- the daemon ----

TEST_F(NdcTest, DaemonKeepsTheCertificateWhileTheIdoIsDownAndRecovers) {
    auto ndcInfo = onboardNdc();
    const auto delegationUrl = addDelegation(ndcInfo, "abc.ido.example");
    const auto stateDir = dir_ / "state";
    registerNdc(ndcInfo, stateDir);
    const auto edge = dir_ / "edge";
    const auto reloads = dir_ / "reloads.log";
    auto config = writeConfig(stateDir, {{{"name", "www"},
                                          {"delegation", delegationUrl},
                                          {"out", edge.string()},
                                          {"star", {{"lifetime", 3600}}},
                                          {"reload", "echo reloaded >> " + reloads.string()}}});
    auto daemon = startDaemon(config);
    const auto orderUrl = awaitProcessingOrder(stateDir, "www");
    const auto key = slotKey(stateDir, "www");
    const auto first =
        publish(orderUrl, key, {"abc.ido.example"}, now() - minutes(5), now() + hours(2));
    ASSERT_TRUE(pollUntil([&] { return installedSerial(edge) == first; }, seconds(15)));
    ASSERT_TRUE(pollUntil([&] { return readFile(reloads) == "reloaded\n"; }, seconds(5)));

    // The IdO goes away: errors pile up with backoff, the certificate stays.
    ASSERT_EQ(ido_->stop(), 0);
    ASSERT_TRUE(
        pollUntil([&] { return slotOf(stateDir, "www").value("failures", 0) >= 3; }, seconds(20)));
    EXPECT_EQ(installedSerial(edge), first);
    std::string out;
    ASSERT_EQ(ndc({"status", "--state", stateDir.string()}, &out), 0);
    EXPECT_NE(out.find("in a row, backing off"), std::string::npos) << out;
    EXPECT_NE(out.find("VALID"), std::string::npos) << out;
    const auto log = readFile(dir_ / "ndc.log");
    EXPECT_NE(log.find("backing off"), std::string::npos);
    EXPECT_NE(log.find("\"retry-in\":2"), std::string::npos) << "backoff capped at 2 s";

    // It comes back with a renewed certificate: installed, reloaded, errors cleared.
    ido_->start();
    const auto second =
        publish(orderUrl, key, {"abc.ido.example"}, now() - minutes(1), now() + hours(3));
    ASSERT_TRUE(pollUntil([&] { return installedSerial(edge) == second; }, seconds(15)));
    ASSERT_TRUE(
        pollUntil([&] { return slotOf(stateDir, "www").value("failures", -1) == 0; }, seconds(10)));
    EXPECT_EQ(readFile(reloads), "reloaded\nreloaded\n");
    EXPECT_EQ(daemon->stop(SIGTERM, seconds(10)), 0);  // clean exit on SIGTERM
}

TEST_F(NdcTest, DaemonRefusesACertificateForAnotherKeyAndRetriesAFailingReload) {
    auto ndcInfo = onboardNdc();
    const auto delegationUrl = addDelegation(ndcInfo, "abc.ido.example");
    const auto stateDir = dir_ / "state";
    registerNdc(ndcInfo, stateDir);
    const auto edge = dir_ / "edge";
    const auto flag = dir_ / "nginx-ok";
    auto config = writeConfig(
        stateDir,
        {{{"name", "www"},
          {"delegation", delegationUrl},
          {"out", edge.string()},
          {"star", {{"lifetime", 3600}}},
          {"reload", "test -f " + flag.string() +
                         " || { echo 'nginx: [emerg] cannot load certificate'; exit 1; }"}}});
    auto daemon = startDaemon(config);
    const auto orderUrl = awaitProcessingOrder(stateDir, "www");

    // A certificate for somebody else's key: refused, nothing installed.
    auto stranger = crypto::PrivateKey::generate(crypto::KeyType::P256);
    publish(orderUrl, stranger->publicKey(), {"abc.ido.example"}, now() - minutes(5),
            now() + hours(2));
    ASSERT_TRUE(pollUntil(
        [&] {
            return slotOf(stateDir, "www").value("last-error", "").find("not for our key") !=
                   std::string::npos;
        },
        seconds(15)));
    EXPECT_FALSE(std::filesystem::exists(edge / "fullchain.pem"));

    // The right one: installed, but the reload command fails; reported and retried.
    const auto good = publish(orderUrl, slotKey(stateDir, "www"), {"abc.ido.example"},
                              now() - minutes(4), now() + hours(2));
    ASSERT_TRUE(pollUntil([&] { return installedSerial(edge) == good; }, seconds(15)));
    ASSERT_TRUE(pollUntil(
        [&] {
            auto s = slotOf(stateDir, "www");
            return s.value("reload-pending", false) && s.value("failures", 0) >= 2 &&
                   s.value("last-error", "").find("cannot load certificate") != std::string::npos;
        },
        seconds(15)));
    std::string out;
    ASSERT_EQ(ndc({"status", "--state", stateDir.string()}, &out), 0);
    EXPECT_NE(out.find("reload       PENDING"), std::string::npos) << out;

    // The operator fixes the edge: the next retry succeeds.
    writeFile(flag, "");
    ASSERT_TRUE(pollUntil(
        [&] {
            auto s = slotOf(stateDir, "www");
            return !s.value("reload-pending", true) && s.value("failures", -1) == 0;
        },
        seconds(15)));
    EXPECT_EQ(daemon->stop(SIGTERM, seconds(10)), 0);
}

TEST_F(NdcTest, DaemonServesTwoDelegationsResumesAfterRestartAndStopsOrReordersWhenEnded) {
    auto ndcInfo = onboardNdc();
    const auto wwwUrl = addDelegation(ndcInfo, "abc.ido.example");
    const auto imgUrl = addDelegation(ndcInfo, "img.ido.example");
    const auto stateDir = dir_ / "state";
    registerNdc(ndcInfo, stateDir);
    json www = {{"name", "www"},
                {"delegation", wwwUrl},
                {"out", (dir_ / "edge-www").string()},
                {"star", {{"lifetime", 3600}}}};
    json img = {{"name", "img"},
                {"delegation", imgUrl},
                {"out", (dir_ / "edge-img").string()},
                {"star", {{"lifetime", 3600}}},
                {"reorder", true}};
    // Starts with one slot; the second arrives by SIGHUP.
    auto config = writeConfig(stateDir, json::array({www}));
    auto daemon = startDaemon(config);
    const auto wwwOrder = awaitProcessingOrder(stateDir, "www");
    writeConfig(stateDir, json::array({www, img}));
    ASSERT_EQ(::kill(daemon->pid(), SIGHUP), 0);
    const auto imgOrder = awaitProcessingOrder(stateDir, "img");
    ASSERT_NE(wwwOrder, imgOrder);
    const auto wwwKey = slotKey(stateDir, "www");
    const auto imgKey = slotKey(stateDir, "img");
    EXPECT_FALSE(wwwKey == imgKey);  // one key per delegation
    const auto w1 =
        publish(wwwOrder, wwwKey, {"abc.ido.example"}, now() - minutes(5), now() + hours(2));
    const auto i1 =
        publish(imgOrder, imgKey, {"img.ido.example"}, now() - minutes(5), now() + hours(2));
    ASSERT_TRUE(pollUntil(
        [&] {
            return installedSerial(dir_ / "edge-www") == w1 &&
                   installedSerial(dir_ / "edge-img") == i1;
        },
        seconds(15)));

    // Restart: the same orders continue, no new order is placed.
    ASSERT_EQ(daemon->stop(SIGTERM, seconds(10)), 0);
    const auto w2 =
        publish(wwwOrder, wwwKey, {"abc.ido.example"}, now() - minutes(1), now() + hours(3));
    const auto logBefore = readFile(dir_ / "ndc.log").size();
    daemon = startDaemon(config);
    ASSERT_TRUE(pollUntil([&] { return installedSerial(dir_ / "edge-www") == w2; }, seconds(15)));
    EXPECT_EQ(slotOf(stateDir, "www")["order"], wwwOrder);
    EXPECT_EQ(slotOf(stateDir, "img")["order"], imgOrder);
    EXPECT_EQ(installedSerial(dir_ / "edge-img"), i1);
    EXPECT_EQ(readFile(dir_ / "ndc.log").substr(logBefore).find("order placed"), std::string::npos);
    EXPECT_TRUE(wwwKey == slotKey(stateDir, "www"));  // the key survived, reused

    // The IdO terminates one delegation: that slot stops, its certificate stays.
    const std::string wwwId = wwwUrl.substr(wwwUrl.rfind('/') + 1);
    admin("DELETE", "/admin/v1/tenants/example/delegations/" + wwwId);
    ASSERT_TRUE(pollUntil(
        [&] { return slotOf(stateDir, "www").value("ended", "") == "autoRenewalCanceled"; },
        seconds(15)));
    EXPECT_EQ(installedSerial(dir_ / "edge-www"), w2);
    std::string out;
    ASSERT_EQ(ndc({"status", "--state", stateDir.string()}, &out), 0);
    EXPECT_NE(out.find("stopped: the order ended (autoRenewalCanceled)"), std::string::npos) << out;
    EXPECT_EQ(slotOf(stateDir, "img").value("ended", "x"), "");

    // The other slot's STAR order is canceled while its delegation stays: `reorder: true`
    // orders again, with the same key, and installs the new order's certificate.
    auto canceled = state_->cancelOrder(imgOrder.substr(imgOrder.rfind('/') + 1));
    ASSERT_TRUE(canceled.ok() && canceled->ok()) << (canceled.ok() ? canceled->reason : "");
    ASSERT_TRUE(pollUntil([&] { return slotOf(stateDir, "img").value("order", "") != imgOrder; },
                          seconds(15)));
    const auto reordered = awaitProcessingOrder(stateDir, "img");
    const auto i2 =
        publish(reordered, imgKey, {"img.ido.example"}, now() - minutes(1), now() + hours(2));
    ASSERT_TRUE(pollUntil([&] { return installedSerial(dir_ / "edge-img") == i2; }, seconds(15)));
    EXPECT_TRUE(imgKey == slotKey(stateDir, "img"));
    EXPECT_EQ(daemon->stop(SIGTERM, seconds(10)), 0);
}

/// The daemon's decisions in-process with a ManualClock: the times it picks are exact,
/// and nothing waits for them to pass.
TEST_F(NdcTest, AgentTimesItsActionsFromTheServerAndBacksOffExactly) {
    auto ndcInfo = onboardNdc();
    const auto delegationUrl = addDelegation(ndcInfo, "abc.ido.example");
    const auto stateDir = dir_ / "state";
    registerNdc(ndcInfo, stateDir);
    ndc::StateStore store(stateDir);
    ndc::KeyStore keys(stateDir);
    auto saved = store.load();
    ASSERT_TRUE(saved.ok());
    http::HttpClientOptions options;
    options.caBundle = ido_->caFile();
    options.maxAttempts = 1;
    ndc::AcmeClient client(saved->server, options);
    client.setAccount(*keys.accountKey(false), saved->accountUrl);

    ndc::Config config;
    config.stateDir = stateDir;
    config.trust = dir_ / "trust.pem";
    config.timing.jitter = 0;
    config.timing.initialBackoff = Seconds{7};
    config.timing.maxBackoff = Seconds{20};
    ndc::SlotConfig slot;
    slot.name = "www";
    slot.delegationUrl = delegationUrl;
    slot.out = dir_ / "edge";
    slot.lifetime = Seconds{3600};
    config.slots.push_back(slot);
    ManualClock clock(now());
    ndc::Agent agent(config, client, keys, store, clock, [] { return 0.0; });
    ASSERT_TRUE(agent.start().ok());

    // Order placed; the next poll follows the order's Retry-After (10 s at this IdO).
    const TimePoint t0 = clock.now();
    EXPECT_EQ(agent.runDue(), t0 + Seconds{10});
    const auto& s = agent.state().slots.at("www");
    EXPECT_EQ(s.nextAction, "poll-order");
    ASSERT_FALSE(s.orderUrl.empty());
    // Not due yet: nothing happens, the same wake-up time comes back.
    clock.advance(Seconds{9});
    EXPECT_EQ(agent.runDue(), t0 + Seconds{10});

    // Published; the next check is the publication's max-age (time to its next one).
    const auto nb = now() - minutes(5);
    const auto serial =
        publish(s.orderUrl, slotKey(stateDir, "www"), {"abc.ido.example"}, nb, nb + hours(2));
    clock.advance(Seconds{1});
    const TimePoint t1 = clock.now();
    const TimePoint next = agent.runDue();
    EXPECT_EQ(installedSerial(dir_ / "edge"), serial);
    // max-age is measured on the IdO's (real) clock, which is 10 s behind ours.
    const auto maxAge = nb + minutes(50) - now();
    EXPECT_NEAR(std::chrono::duration_cast<Seconds>(next - t1).count(),
                std::chrono::duration_cast<Seconds>(maxAge).count(), 3);
    EXPECT_EQ(s.nextAction, "fetch");

    // The IdO is gone: 7 s, 14 s, then the 20 s cap, exactly.
    ASSERT_EQ(ido_->stop(), 0);
    clock.set(next);
    for (int64_t expected : {7, 14, 20, 20}) {
        const TimePoint at = clock.now();
        EXPECT_EQ(agent.runDue(), at + Seconds{expected});
        clock.set(at + Seconds{expected});
    }
    EXPECT_EQ(s.failures, 4);
    EXPECT_NE(s.lastError.find("fetch:"), std::string::npos) << s.lastError;
    EXPECT_EQ(installedSerial(dir_ / "edge"), serial);  // kept

    // Meanwhile a certificate that would expire sooner than the installed one is
    // published.  Back: it is fetched but not installed, and the errors are cleared.
    publish(s.orderUrl, slotKey(stateDir, "www"), {"abc.ido.example"}, now() - minutes(1),
            nb + hours(1));
    ido_->start();
    agent.runDue();
    EXPECT_EQ(s.failures, 0) << s.lastError;
    EXPECT_EQ(installedSerial(dir_ / "edge"), serial);
}

TEST_F(NdcTest, DaemonRefusesABrokenConfigWithJsonPaths) {
    writeFile(dir_ / "bad.json", R"({"state": "s", "delegations": [{"name": "x", "out": 3}]})");
    Process run({ndcBinary(), "run", "--config", (dir_ / "bad.json").string()}, dir_ / "bad.log");
    EXPECT_EQ(run.wait(seconds(10)), 1);
    const auto out = readFile(dir_ / "bad.log");
    EXPECT_NE(out.find("/trust: missing"), std::string::npos) << out;
    EXPECT_NE(out.find("/delegations/0/delegation: missing"), std::string::npos) << out;
    EXPECT_NE(out.find("/delegations/0/out"), std::string::npos) << out;
}

}  // namespace
}  // namespace legate::test
