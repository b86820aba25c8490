#include "idO/solvers/DcvDelegation.h"

#include <algorithm>

#include "broker/crypto/Digest.h"
#include "idO/solvers/DnsName.h"

namespace legate::ido::solvers {
namespace {

constexpr size_t kLabelLength = 26;
constexpr std::string_view kLabelPrefix = "legate-dcv:";

/// Lowercase base32 (RFC 4648 §6 alphabet, lowercased), without padding.
std::string base32Lower(const crypto::Bytes& bytes) {
    static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
    std::string out;
    uint32_t buffer = 0;
    int bits = 0;
    for (const auto byte : bytes) {
        buffer = (buffer << 8) | static_cast<unsigned char>(byte);
        bits += 8;
        while (bits >= 5) {
            out += kAlphabet[(buffer >> (bits - 5)) & 0x1f];
            bits -= 5;
        }
    }
    if (bits > 0) {
        out += kAlphabet[(buffer << (5 - bits)) & 0x1f];
    }
    return out;
}

/// The name validated for `identifier`: "*." stripped, normalised (one trailing dot).
Result<std::string> baseName(std::string_view identifier) {
    std::string_view base = identifier;
    if (base.starts_with("*.")) {
        base.remove_prefix(2);
    }
    auto name = normaliseDnsName(base);
    if (!name) {
        return std::move(name).problem();
    }
    if (name->starts_with("*")) {
        return acme::Problem::make(acme::ErrorType::malformed,
                                   "invalid DNS name \"" + std::string(identifier) +
                                       "\": a wildcard only as the whole leftmost label");
    }
    return name;
}

}  // namespace

std::vector<std::string> dcvIdentifiers(const std::vector<std::string>& preference,
                                        const std::vector<acme::Identifier>& identifiers) {
    std::vector<std::string> names;
    if (std::find(preference.begin(), preference.end(), "dns-01") == preference.end()) {
        return names;
    }
    const bool dnsFirst = preference.front() == "dns-01";
    for (const auto& identifier : identifiers) {
        if (identifier.type == "dns" && (identifier.value.starts_with("*.") || dnsFirst)) {
            names.push_back(identifier.value);
        }
    }
    return names;
}

Result<std::string> dcvLabel(std::string_view identifier) {
    auto name = baseName(identifier);
    if (!name) {
        return std::move(name).problem();
    }
    const std::string input = std::string(kLabelPrefix) + name->substr(0, name->size() - 1);
    return base32Lower(crypto::sha256(input)).substr(0, kLabelLength);
}

std::string DcvRecord::zoneLine() const {
    return owner + " CNAME " + target;
}

Result<DcvRecord> dcvRecord(std::string_view identifier, std::string_view zone) {
    auto name = baseName(identifier);
    if (!name) {
        return std::move(name).problem();
    }
    auto validationZone = normaliseDnsName(zone);
    if (!validationZone) {
        return std::move(validationZone).problem();
    }
    auto label = dcvLabel(identifier);
    if (!label) {
        return std::move(label).problem();
    }
    DcvRecord record;
    record.identifier = std::string(identifier);
    record.owner = "_acme-challenge." + *name;
    record.target = *label + "." + *validationZone;
    if (record.owner.size() > 254 || record.target.size() > 254) {
        return acme::Problem::make(acme::ErrorType::malformed,
                                   "the DCV record of \"" + record.identifier +
                                       "\" would be longer than a DNS name may be");
    }
    return record;
}

std::string_view nameOf(DcvState state) {
    switch (state) {
        case DcvState::ok:
            return "ok";
        case DcvState::missing:
            return "missing";
        case DcvState::wrongTarget:
            return "wrong-target";
    }
    return "missing";
}

Result<std::vector<DcvCheck>> DcvChecker::check(const std::vector<std::string>& identifiers,
                                                std::string_view zone) const {
    std::vector<DcvCheck> checks;
    for (const auto& identifier : identifiers) {
        auto record = dcvRecord(identifier, zone);
        if (!record) {
            return std::move(record).problem();
        }
        auto served = queryDns(resolver_, record->owner, "CNAME");
        if (!served) {
            auto problem = std::move(served).problem();
            problem.detail = "DCV preflight: " + problem.detail;
            problem.status = 503;
            return problem;
        }
        DcvCheck check;
        check.record = std::move(*record);
        if (served->empty()) {
            check.state = DcvState::missing;
        } else {
            check.state = DcvState::wrongTarget;
            for (const auto& value : *served) {
                auto target = normaliseDnsName(value);
                if (target && *target == check.record.target) {
                    check.state = DcvState::ok;
                }
                check.found += (check.found.empty() ? "" : ", ") + value;
            }
        }
        checks.push_back(std::move(check));
    }
    return checks;
}

Status dcvVerdict(const std::vector<DcvCheck>& checks) {
    auto problem = acme::Problem::make(acme::ErrorType::dns, "");
    for (const auto& c : checks) {
        if (c.state == DcvState::ok) {
            continue;
        }
        std::string served = c.state == DcvState::missing
                                 ? "has no CNAME"
                                 : "is a CNAME to " + c.found + ", not to " + c.record.target;
        std::string name = c.record.identifier;
        auto sub = acme::Problem::make(acme::ErrorType::dns,
                                       "DCV delegation: " + c.record.owner + " " + served +
                                           "; create the record \"" + c.record.zoneLine() + "\"");
        sub.withIdentifier({"dns", name});
        problem.add(std::move(sub));
    }
    if (problem.subproblems.empty()) {
        return okStatus();
    }
    problem.detail = "DCV delegation: " + std::to_string(problem.subproblems.size()) + " of " +
                     std::to_string(checks.size()) +
                     " names lack the _acme-challenge CNAME to the validation zone; no order "
                     "was placed with the CA (see the subproblems for the records to create)";
    return problem;
}

}  // namespace legate::ido::solvers
