#include "idO/relay/UpstreamTenant.h"

#include <fstream>
#include <sstream>

#include "broker/wire/Base64Url.h"
#include "idO/relay/RelayState.h"
#include "idO/upstream/UpstreamAccountKey.h"

namespace legate::ido::relay {

Result<std::unique_ptr<UpstreamTenant>> UpstreamTenant::start(std::string tenant,
                                                              UpstreamConfig config,
                                                              const Clock& clock) {
    auto key = upstream::UpstreamAccountKey::loadOrCreate(config.accountKey);
    LEGATE_TRY(key);
    std::unique_ptr<UpstreamTenant> t(
        new UpstreamTenant(std::move(tenant), std::move(config), clock, std::move(*key)));
    auto solvers = solvers::ChallengeSolvers::start(t->config_.solvers);
    LEGATE_TRY(solvers);
    t->solvers_ = std::move(*solvers);
    if (t->config_.cname) {
        auto cname = solvers::CnameInstaller::create(*t->config_.cname);
        LEGATE_TRY(cname);
        t->cname_ = std::make_unique<solvers::CnameInstaller>(std::move(*cname));
    }
    return t;
}

Result<std::unique_ptr<upstream::AcmeClient>> UpstreamTenant::newClient(
    std::function<void(std::chrono::milliseconds)> sleep) {
    auto key = crypto::PrivateKey::fromDer(accountKey_.toDer());
    LEGATE_TRY(key);
    upstream::AcmeClientOptions options;
    options.directoryUrl = config_.directory;
    if (!config_.caBundle.empty()) {
        options.caBundle = config_.caBundle;
    }
    options.clock = &clock_;
    options.sleep = std::move(sleep);
    auto client = std::make_unique<upstream::AcmeClient>(std::move(options), std::move(*key));
    std::optional<upstream::ExternalAccountKey> eab;
    if (config_.eab) {
        auto hmac = wire::base64UrlDecode(config_.eab->hmacKey);
        if (!hmac.ok()) {
            return acme::Problem::make(
                acme::ErrorType::serverInternal,
                "upstream eab hmac-key of tenant " + tenant_ + " is not base64url");
        }
        eab = upstream::ExternalAccountKey{config_.eab->kid, std::move(*hmac)};
    }
    auto account = client->findOrCreateAccount(config_.contact, eab);
    LEGATE_TRY(account);
    return client;
}

Status UpstreamTenant::checkProfiles() {
    const auto& profiles = config_.profiles;
    if (profiles.empty()) {
        return okStatus();
    }
    auto key = crypto::PrivateKey::fromDer(accountKey_.toDer());
    LEGATE_TRY(key);
    upstream::AcmeClientOptions options;
    options.directoryUrl = config_.directory;
    if (!config_.caBundle.empty()) {
        options.caBundle = config_.caBundle;
    }
    options.clock = &clock_;
    upstream::AcmeClient client(std::move(options), std::move(*key));
    auto caps = client.capabilities();
    if (!caps.ok()) {
        relayLogger().warn("cannot check the configured profiles against the CA now",
                           {{"tenant", tenant_}, {"detail", caps.problem().detail}});
        return okStatus();
    }
    auto refuse = [&](const std::string& path, const std::string& name) -> Status {
        std::string offered;
        for (const auto& [n, description] : caps->profiles) {
            offered += (offered.empty() ? "" : ", ") + n;
        }
        return acme::Problem::make(
            acme::ErrorType::serverInternal,
            path + ": the CA at " + config_.directory + " offers no profile \"" + name +
                "\" (its directory meta.profiles: " + (offered.empty() ? "none" : offered) + ")");
    };
    for (const auto& band : profiles.star) {
        if (!caps->profiles.contains(band.profile)) {
            return refuse(band.path, band.profile);
        }
    }
    if (!profiles.nonStar.empty() && !caps->profiles.contains(profiles.nonStar)) {
        return refuse(profiles.nonStarPath, profiles.nonStar);
    }
    return okStatus();
}

Result<std::vector<crypto::Certificate>> UpstreamTenant::roots() {
    std::ifstream in(config_.roots, std::ios::binary);
    if (!in) {
        return acme::Problem::make(acme::ErrorType::serverInternal,
                                   "cannot read the upstream roots file " + config_.roots);
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::lock_guard lock(rootsMutex_);
    if (text.str() != rootsText_ || rootsCache_.empty()) {
        auto parsed = crypto::parsePemCertificates(text.str());
        if (!parsed.ok()) {
            return acme::Problem::make(
                acme::ErrorType::serverInternal,
                "upstream roots file " + config_.roots + ": " + parsed.problem().detail);
        }
        rootsText_ = text.str();
        rootsCache_ = std::move(*parsed);
    }
    return rootsCache_;
}

}  // namespace legate::ido::relay
