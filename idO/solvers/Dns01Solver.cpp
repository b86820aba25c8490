#include "idO/solvers/Dns01Solver.h"

#include <algorithm>
#include <thread>

#include "idO/solvers/DnsName.h"

namespace legate::ido::solvers {

Result<Dns01Solver> Dns01Solver::create(Dns01SolverConfig config) {
    auto client = Rfc2136Client::create(config.dns);
    if (!client) {
        return std::move(client).problem();
    }
    if (config.dcv) {
        auto zone = normaliseDnsName(config.dcv->zone);
        if (!zone || !isInZone(*zone, client->zone())) {
            return acme::Problem::make(acme::ErrorType::serverInternal,
                                       "dns-01 dcv-delegation zone \"" + config.dcv->zone +
                                           "\" is not inside the RFC 2136 zone " + client->zone());
        }
        config.dcv->zone = *zone;
    }
    if (config.selfCheckAttempts < 1) {
        config.selfCheckAttempts = 1;
    }
    if (!config.sleep) {
        config.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
    }
    Rfc2136Client c = std::move(client).value();
    return Dns01Solver(std::move(config), std::move(c));
}

Result<std::string> Dns01Solver::challengeName(std::string_view identifier) const {
    if (!config_.dcv) {
        return acmeChallengeName(identifier);
    }
    auto record = dcvRecord(identifier, config_.dcv->zone);
    if (!record) {
        return std::move(record).problem();
    }
    return record->target;
}

Status Dns01Solver::present(std::string_view identifier, std::string_view txtValue) {
    auto name = challengeName(identifier);
    if (!name) {
        return std::move(name).problem();
    }
    LEGATE_TRY(client_.addRecord(*name, "TXT", config_.ttl, txtValue));
    return selfCheck(identifier, txtValue);
}

Status Dns01Solver::cleanup(std::string_view identifier, std::string_view txtValue) {
    auto name = challengeName(identifier);
    if (!name) {
        return std::move(name).problem();
    }
    return client_.deleteRecord(*name, "TXT", txtValue);
}

Status Dns01Solver::selfCheck(std::string_view identifier, std::string_view txtValue) const {
    auto name = challengeName(identifier);
    if (!name) {
        return std::move(name).problem();
    }
    std::string last = "nothing served";
    for (int attempt = 1; attempt <= config_.selfCheckAttempts; ++attempt) {
        auto values = client_.query(*name, "TXT");
        if (values && std::find(values->begin(), values->end(), txtValue) != values->end()) {
            return okStatus();
        }
        last = values ? std::to_string(values->size()) + " other TXT value(s) served"
                      : values.problem().detail;
        if (attempt < config_.selfCheckAttempts) {
            config_.sleep(config_.selfCheckInterval);
        }
    }
    return acme::Problem::make(acme::ErrorType::dns,
                               "dns-01 self-check: " + *name + " TXT \"" + std::string(txtValue) +
                                   "\" not served by " + client_.serverText() + " after " +
                                   std::to_string(config_.selfCheckAttempts) +
                                   " queries (last: " + last + ")");
}

}  // namespace legate::ido::solvers
