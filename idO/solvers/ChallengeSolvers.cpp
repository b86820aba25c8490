#include "idO/solvers/ChallengeSolvers.h"

#include <algorithm>

#include "broker/log/Logger.h"

namespace legate::ido::solvers {
namespace {

const log::Logger& logger() {
    static const log::Logger instance("solvers");
    return instance;
}

acme::Problem cannotSolve(const upstream::Authorization& authorization, std::string_view type) {
    return acme::Problem::make(acme::ErrorType::unsupportedIdentifier,
                               "no " + std::string(type) + " solver can validate " +
                                   (authorization.wildcard ? "*." : "") +
                                   authorization.identifier.value + " here");
}

}  // namespace

Result<std::unique_ptr<ChallengeSolvers>> ChallengeSolvers::start(const SolverConfig& config) {
    std::unique_ptr<ChallengeSolvers> solvers(new ChallengeSolvers());
    if (config.http01) {
        auto responder = Http01Responder::start(*config.http01);
        if (!responder) {
            return std::move(responder).problem();
        }
        solvers->http01_ = std::move(*responder);
    }
    if (config.tlsAlpn01) {
        auto responder = TlsAlpn01Responder::start(*config.tlsAlpn01);
        if (!responder) {
            return std::move(responder).problem();
        }
        solvers->tlsAlpn01_ = std::move(*responder);
    }
    if (config.dns01) {
        auto solver = Dns01Solver::create(*config.dns01);
        if (!solver) {
            return std::move(solver).problem();
        }
        solvers->dns01_.emplace(std::move(*solver));
    }
    const auto configured = [&](std::string_view type) {
        return (type == kHttp01 && solvers->http01_) || (type == kDns01 && solvers->dns01_) ||
               (type == kTlsAlpn01 && solvers->tlsAlpn01_);
    };
    if (config.preference.empty()) {
        for (auto type : {kHttp01, kDns01, kTlsAlpn01}) {
            if (configured(type)) {
                solvers->preference_.emplace_back(type);
            }
        }
    } else {
        for (const auto& type : config.preference) {
            if (!configured(type)) {
                return acme::Problem::make(
                    acme::ErrorType::serverInternal,
                    "solver preference names " + type + ", which is not configured");
            }
            solvers->preference_.push_back(type);
        }
    }
    if (solvers->preference_.empty()) {
        return acme::Problem::make(acme::ErrorType::serverInternal,
                                   "no challenge solver configured");
    }
    return solvers;
}

ChallengeSolvers::~ChallengeSolvers() = default;

bool ChallengeSolvers::canSolve(const upstream::Authorization& authorization,
                                std::string_view type) const {
    if (std::find(preference_.begin(), preference_.end(), type) == preference_.end()) {
        return false;
    }
    const auto& identifierType = authorization.identifier.type;
    if (identifierType == "ip") {
        return type == kHttp01 && authorization.wildcard == false;
    }
    if (identifierType != "dns") {
        return false;
    }
    if (authorization.wildcard) {
        return type == kDns01;
    }
    return true;
}

const upstream::Challenge* ChallengeSolvers::choose(
    const upstream::Authorization& authorization) const {
    for (const auto& type : preference_) {
        if (!canSolve(authorization, type)) {
            continue;
        }
        if (const auto* challenge = authorization.challenge(type)) {
            return challenge;
        }
    }
    return nullptr;
}

Status ChallengeSolvers::present(const upstream::Authorization& authorization,
                                 const upstream::Challenge& challenge,
                                 upstream::AcmeClient& client) {
    if (!canSolve(authorization, challenge.type)) {
        return cannotSolve(authorization, challenge.type);
    }
    if (challenge.token.empty()) {
        return acme::Problem::make(
            acme::ErrorType::malformed,
            "the CA's " + challenge.type + " challenge " + challenge.url + " has no token");
    }
    const auto& identifier = authorization.identifier.value;
    if (challenge.type == kDns01) {
        auto digest = client.dns01TxtValue(challenge.token);
        if (!digest) {
            return std::move(digest).problem();
        }
        // The authorization names the base of a wildcard; the TXT name is the same.
        return dns01_->present(identifier, *digest);
    }
    auto keyAuthorization = client.keyAuthorization(challenge.token);
    if (!keyAuthorization) {
        return std::move(keyAuthorization).problem();
    }
    if (challenge.type == kHttp01) {
        LEGATE_TRY(http01_->present(challenge.token, *keyAuthorization));
        return http01_->selfCheck(challenge.token);
    }
    LEGATE_TRY(tlsAlpn01_->present(identifier, *keyAuthorization));
    return tlsAlpn01_->selfCheck(identifier);
}

std::vector<std::string> ChallengeSolvers::dcvIdentifiers(
    const std::vector<acme::Identifier>& identifiers) const {
    if (!dns01_ || dns01_->dcv() == nullptr) {
        return {};
    }
    return solvers::dcvIdentifiers(preference_, identifiers);
}

Status ChallengeSolvers::dcvPreflight(const std::vector<acme::Identifier>& identifiers) const {
    const auto names = dcvIdentifiers(identifiers);
    if (names.empty()) {
        return okStatus();
    }
    const auto* dcv = dns01_->dcv();
    auto checks = DcvChecker(dcv->resolver).check(names, dcv->zone);
    if (!checks) {
        return std::move(checks).problem();
    }
    return dcvVerdict(*checks);
}

void ChallengeSolvers::cleanup(const upstream::Authorization& authorization,
                               const upstream::Challenge& challenge, upstream::AcmeClient& client) {
    if (!canSolve(authorization, challenge.type) || challenge.token.empty()) {
        return;
    }
    const auto& identifier = authorization.identifier.value;
    if (challenge.type == kHttp01) {
        http01_->cleanup(challenge.token);
        return;
    }
    if (challenge.type == kDns01) {
        auto digest = client.dns01TxtValue(challenge.token);
        if (!digest) {
            return;
        }
        if (auto removed = dns01_->cleanup(identifier, *digest); !removed) {
            logger().warn("dns-01 cleanup failed",
                          {{"identifier", identifier}, {"problem", removed.problem().detail}});
        }
        return;
    }
    auto keyAuthorization = client.keyAuthorization(challenge.token);
    if (keyAuthorization) {
        tlsAlpn01_->cleanup(identifier, *keyAuthorization);
    }
}

}  // namespace legate::ido::solvers
