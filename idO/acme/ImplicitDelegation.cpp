#include "idO/acme/ImplicitDelegation.h"

#include "idO/acme/DelegationGate.h"

namespace legate::ido {
namespace {

using acme::ErrorType;
using acme::Problem;

/// Does `d`'s template cover all of `identifiers` (the newOrder gate)?
Result<bool> covers(const DelegationRecord& d, const std::vector<acme::Identifier>& identifiers) {
    auto verdict = checkDelegationFit(d, identifiers);
    LEGATE_TRY(verdict);
    return !verdict->has_value();
}

std::string urlList(const std::vector<const DelegationRecord*>& list, const AcmeUrls& urls,
                    bool markImplicit) {
    if (list.empty()) {
        return "none";
    }
    std::string out;
    for (const auto* d : list) {
        out += (out.empty() ? "" : ", ") + urls.delegation(d->id);
        if (markImplicit && d->implicit) {
            out += " (implicit)";
        }
    }
    return out;
}

}  // namespace

Result<DelegationRecord> chooseImplicitDelegation(const std::vector<DelegationRecord>& delegations,
                                                  const std::vector<acme::Identifier>& identifiers,
                                                  const AcmeUrls& urls) {
    std::vector<const DelegationRecord*> all;
    std::vector<const DelegationRecord*> implicit;
    std::vector<const DelegationRecord*> matching;
    for (const auto& d : delegations) {
        all.push_back(&d);
        if (!d.implicit) {
            continue;
        }
        implicit.push_back(&d);
        auto fits = covers(d, identifiers);
        LEGATE_TRY(fits);
        if (*fits) {
            matching.push_back(&d);
        }
    }
    if (matching.size() == 1) {
        return *matching.front();
    }

    // A refusal: say which delegations the account has and which cover each name.
    ErrorType type = ErrorType::rejectedIdentifier;
    std::string detail;
    const auto& candidates = implicit.empty() ? all : implicit;
    if (implicit.empty()) {
        type = ErrorType::unauthorized;
        detail =
            "the order names no delegation and none of this account's delegations allows "
            "implicit delegation; send \"delegation\" (RFC 9115 §2.3.4) naming one of";
    } else if (matching.size() > 1) {
        type = ErrorType::unauthorized;
        detail = "the order names no delegation and " + std::to_string(matching.size()) +
                 " of this account's delegations cover its identifiers; send \"delegation\" "
                 "(RFC 9115 §2.3.4) naming one of";
    } else {
        detail =
            "the order names no delegation and no single delegation of this account that "
            "allows implicit delegation covers all its identifiers; this account's "
            "delegations are";
    }
    Problem problem = Problem::make(type, detail + ": " + urlList(all, urls, true), 403);
    for (const auto& id : identifiers) {
        std::vector<const DelegationRecord*> coveringThis;
        for (const auto* d : candidates) {
            auto fits = covers(*d, {id});
            LEGATE_TRY(fits);
            if (*fits) {
                coveringThis.push_back(d);
            }
        }
        const std::string kind = implicit.empty() ? "delegation" : "implicit delegation";
        const std::string text = coveringThis.empty()
                                     ? "no " + kind + " of this account covers " + id.value
                                     : id.value + " is covered by the " + kind +
                                           (coveringThis.size() > 1 ? "s " : " ") +
                                           urlList(coveringThis, urls, false);
        problem.add(Problem::make(type, text, 403).withIdentifier(id));
    }
    return problem;
}

}  // namespace legate::ido
