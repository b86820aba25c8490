#include "idO/solvers/CnameInstaller.h"

#include <set>

#include "idO/solvers/DnsName.h"
#include "idO/solvers/SolverConfig.h"

namespace legate::ido::solvers {
namespace {

acme::Problem malformed(std::string detail) {
    return acme::Problem::make(acme::ErrorType::malformed, "cname-map: " + std::move(detail));
}

/// A normalised, non-wildcard name, or a Problem naming `role`.
Result<std::string> plainName(const std::string& text, const std::string& role) {
    auto name = normaliseDnsName(text);
    if (!name) {
        return malformed(role + " \"" + text + "\": " + name.problem().detail);
    }
    if (name->starts_with("*")) {
        return malformed(role + " \"" + text + "\" is a wildcard");
    }
    return name;
}

}  // namespace

CnameConfig readCnameConfig(const ConfigNode& node) {
    CnameConfig c;
    const auto install = node.string("install", "on-valid");
    if (install == "on-valid") {
        c.install = CnameInstallTime::OnValid;
    } else if (install == "on-create") {
        c.install = CnameInstallTime::OnCreate;
    } else {
        node.fail("install", "expected \"on-valid\" or \"on-create\", got \"" + install + "\"");
    }
    c.ttl = static_cast<uint32_t>(node.integer("ttl", 1, 86400, c.ttl));
    std::set<std::string> seen;
    for (const auto& zone : node.array("zones")) {
        if (!zone.isObject()) {
            zone.fail("expected an object, got " + zone.json().dump());
            continue;
        }
        auto config = readRfc2136Config(zone);
        if (auto name = normaliseDnsName(config.zone); name && !seen.insert(*name).second) {
            zone.fail("zone", "zone \"" + config.zone + "\" is configured twice");
        }
        c.zones.push_back(std::move(config));
    }
    return c;
}

Result<CnameInstaller> CnameInstaller::create(CnameConfig config) {
    if (config.zones.empty()) {
        return acme::Problem::make(acme::ErrorType::serverInternal, "cname: no zones configured");
    }
    std::vector<Rfc2136Client> clients;
    std::set<std::string> seen;
    for (const auto& zone : config.zones) {
        auto client = Rfc2136Client::create(zone);
        if (!client) {
            return std::move(client).problem();
        }
        if (!seen.insert(client->zone()).second) {
            return acme::Problem::make(acme::ErrorType::serverInternal,
                                       "cname: zone " + client->zone() + " is configured twice");
        }
        clients.push_back(std::move(*client));
    }
    return CnameInstaller(std::move(config), std::move(clients));
}

Rfc2136Client& CnameInstaller::clientFor(const std::string& zone) {
    for (auto& client : clients_) {
        if (client.zone() == zone) {
            return client;
        }
    }
    return clients_.front();  // unreachable: plan() only yields configured zones
}

Result<std::vector<CnameRecord>> CnameInstaller::plan(const nlohmann::json& cnameMap) const {
    std::vector<CnameRecord> records;
    if (cnameMap.is_null()) {
        return records;
    }
    if (!cnameMap.is_object()) {
        return malformed("expected an object (owner name -> target name), got " +
                         std::string(cnameMap.type_name()));
    }
    auto refused = acme::Problem::make(acme::ErrorType::rejectedIdentifier, "");
    for (const auto& [key, value] : cnameMap.items()) {
        auto owner = plainName(key, "owner");
        if (!owner) {
            refused.add(std::move(owner).problem());
            continue;
        }
        if (!value.is_string()) {
            refused.add(malformed("the target of \"" + key + "\" is not a string"));
            continue;
        }
        auto target = plainName(value.get<std::string>(), "target");
        if (!target) {
            refused.add(std::move(target).problem());
            continue;
        }
        // The most specific configured zone holding the owner.
        const Rfc2136Client* best = nullptr;
        for (const auto& client : clients_) {
            if (isInZone(*owner, client.zone()) &&
                (best == nullptr || client.zone().size() > best->zone().size())) {
                best = &client;
            }
        }
        if (best == nullptr) {
            refused.add(acme::Problem::make(
                acme::ErrorType::rejectedIdentifier,
                "cname-map: owner " + *owner + " is outside every configured zone"));
            continue;
        }
        if (*owner == best->zone()) {
            refused.add(acme::Problem::make(
                acme::ErrorType::rejectedIdentifier,
                "cname-map: owner " + *owner + " is a zone apex, which cannot hold a CNAME"));
            continue;
        }
        records.push_back({*owner, *target, best->zone()});
    }
    if (refused.subproblems.empty()) {
        return records;
    }
    if (refused.subproblems.size() == 1) {
        return refused.subproblems.front();
    }
    refused.type = acme::ErrorType::compound;
    refused.status = acme::defaultStatus(acme::ErrorType::compound);
    refused.detail = "cname-map: " + std::to_string(refused.subproblems.size()) +
                     " entries refused; nothing was installed";
    return refused;
}

Status CnameInstaller::install(const nlohmann::json& cnameMap) {
    auto records = plan(cnameMap);
    if (!records) {
        return std::move(records).problem();
    }
    for (const auto& r : *records) {
        auto& client = clientFor(r.zone);
        LEGATE_TRY(client.addRecord(r.owner, "CNAME", config_.ttl, r.target));
        auto served = client.query(r.owner, "CNAME");
        if (!served) {
            return std::move(served).problem();
        }
        bool found = false;
        for (const auto& value : *served) {
            auto name = normaliseDnsName(value);
            found = found || (name && *name == r.target);
        }
        if (!found) {
            return acme::Problem::make(
                acme::ErrorType::dns,
                "cname-map: " + client.serverText() + " accepted " + r.owner + " CNAME " +
                    r.target +
                    " but does not serve it (other data at that name, or another "
                    "CNAME that the server kept?)");
        }
    }
    return okStatus();
}

Status CnameInstaller::remove(const nlohmann::json& cnameMap) {
    auto records = plan(cnameMap);
    if (!records) {
        return std::move(records).problem();
    }
    for (const auto& r : *records) {
        LEGATE_TRY(clientFor(r.zone).deleteRecord(r.owner, "CNAME", r.target));
    }
    return okStatus();
}

}  // namespace legate::ido::solvers
