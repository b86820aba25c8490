// Serves one published STAR certificate the way production does (HTTPS listener,
// Redis state, in-process publication cache kept live by the event feed), prints its
// URL, and waits for SIGTERM.  scripts/bench-publication.sh points wrk at it and at
// nginx serving the same chain from a file, in the same run: the ratio goes to
// docs/benchmarks.md.
//
// Two listeners serve it: the ACME listener (Poco, thread per connection; OUTDIR/url) and
// the event-driven publication listener (h2o, two loops; OUTDIR/event-url), both with
// the same development certificate (P-256).
//
// usage: publication_bench_server OUTDIR
//        (writes OUTDIR/url, OUTDIR/event-url, OUTDIR/chain.pem, OUTDIR/ca.pem)

#include <fstream>
#include <iostream>
#include <signal.h>

#include "broker/core/Time.h"
#include "broker/crypto/CertificateBuilder.h"
#include "broker/http/EventServer.h"
#include "broker/wire/Base64Url.h"
#include "idO/acme/PublicationListener.h"
#include "idO/tenant/EventFeed.h"
#include "profiles/CsrBuilder.h"
#include "profiles/TemplateParser.h"
#include "tests/idO/support/AcmeTestClient.h"
#include "tests/idO/support/AllRoutes.h"

using namespace legate;
using namespace legate::ido;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: publication_bench_server OUTDIR\n";
        return 2;
    }
    const std::filesystem::path out = argv[1];
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    auto options = fullServerOptions();
    options.clock = &SystemClock::instance();
    options.limits.threads = 16;
    AcmeTestEnvironment env(options);
    EventFeed feed(env.services(), store::RedisUrl::parse(env.redis().url()).value());
    feed.start();

    AcmeTestClient ndc(env);
    auto onboarded = ndc.onboard();
    TestDelegationOptions delegationOptions;
    delegationOptions.names = {"abc.ido.example"};
    auto delegation = env.createDelegation(onboarded.ndcId, delegationOptions);
    auto tmpl = profiles::TemplateParser::parse(delegation.record.csrTemplate).value();
    auto key = crypto::PrivateKey::generate(crypto::KeyType::P256).value();
    auto csr = profiles::CsrBuilder::build(tmpl, key, {}).value();
    const auto end = std::chrono::system_clock::now() + std::chrono::hours(24);
    nlohmann::json request;
    request["identifiers"] = {{{"type", "dns"}, {"value", "abc.ido.example"}}};
    request["delegation"] = delegation.url;
    request["auto-renewal"] = {
        {"end-date", toRfc3339(end)}, {"lifetime", 3600}, {"allow-certificate-get", true}};
    auto order = ndc.post(ndc.urls().newOrder(), request);
    ndc.post(order.json()["finalize"], nlohmann::json{{"csr", wire::base64UrlEncode(csr.der())}});

    const auto now = std::chrono::system_clock::now();
    auto caKey = crypto::PrivateKey::generate(crypto::KeyType::P256).value();
    auto ca = crypto::CertificateBuilder()
                  .commonName("Bench CA")
                  .validity(now - std::chrono::hours(1), now + std::chrono::hours(48))
                  .certificateAuthority(std::nullopt)
                  .selfSigned(caKey)
                  .value();
    auto leaf = crypto::CertificateBuilder()
                    .dnsNames({"abc.ido.example"})
                    .validity(now - std::chrono::minutes(5), now + std::chrono::hours(2))
                    .serverAuth()
                    .issuedBy(key.publicKey(), ca, caKey)
                    .value();
    const std::string chain = leaf.toPem() + ca.toPem();
    const std::string id = order.location().substr(order.location().rfind('/') + 1);
    auto record = env.tenant().state.order(id).value().value();
    auto published = env.tenant().state.publishCertificate(
        record.certToken, chain, leaf.notBefore(), leaf.notAfter(), now + std::chrono::hours(1));
    if (!published.ok() || !published->ok()) {
        std::cerr << "publishing the certificate failed\n";
        return 1;
    }

    http::EventServerOptions eventOptions;
    eventOptions.tls = env.tlsFiles();
    eventOptions.threads = 2;
    auto events = http::EventServer::start(eventOptions, publicationHandler(env.services()));
    if (!events.ok()) {
        std::cerr << "publication listener: " << events.problem().detail << "\n";
        return 1;
    }
    const std::string path = "/acme/" + env.defaultTenant() + "/cert/" + record.certToken;
    std::ofstream(out / "event-url") << (*events)->baseUrl() << path << "\n";
    std::ofstream(out / "url") << ndc.urls().certificate(record.certToken) << "\n";
    std::ofstream(out / "chain.pem") << chain;
    std::filesystem::copy_file(env.caFile(), out / "ca.pem",
                               std::filesystem::copy_options::overwrite_existing);
    std::cout << "ready " << ndc.urls().certificate(record.certToken) << std::endl;

    int signal = 0;
    sigwait(&signals, &signal);
    (*events)->stop(std::chrono::seconds(1));
    feed.stop();
    return 0;
}
