#include "idO/relay/CertificateLimits.h"

#include <algorithm>
#include <libpsl.h>
#include <set>

#include "broker/crypto/Digest.h"
#include "profiles/NameSyntax.h"

namespace legate::ido::relay {
namespace {

/// The newest list libpsl finds (the distribution's file when newer than its built-in
/// copy), loaded once and shared: psl contexts are read-only and thread-safe.
const psl_ctx_t* publicSuffixes() {
    static const psl_ctx_t* ctx = [] {
        const psl_ctx_t* latest = psl_latest(nullptr);
        return latest ? latest : psl_builtin();
    }();
    return ctx;
}

}  // namespace

std::string registeredDomain(const std::string& name) {
    std::string lower = profiles::asciiLower(name);
    if (!lower.empty() && lower.back() == '.') {
        lower.pop_back();
    }
    if (lower.rfind("*.", 0) == 0) {
        lower = lower.substr(2);  // a wildcard counts against its parent's domain
    }
    if (const auto* psl = publicSuffixes()) {
        if (const char* registrable = psl_registrable_domain(psl, lower.c_str())) {
            return registrable;
        }
        return lower;  // a public suffix itself (or empty)
    }
    // No list at all (libpsl built without one and no file): the last two labels.
    const auto last = lower.rfind('.');
    if (last == std::string::npos || last == 0) {
        return lower;
    }
    const auto before = lower.rfind('.', last - 1);
    return before == std::string::npos ? lower : lower.substr(before + 1);
}

std::string identifierSetKey(const std::vector<acme::Identifier>& identifiers) {
    std::set<std::string> lines;
    for (const auto& id : identifiers) {
        std::string value = profiles::asciiLower(id.value);
        if (!value.empty() && value.back() == '.') {
            value.pop_back();
        }
        lines.insert(id.type + ":" + value);
    }
    std::string joined;
    for (const auto& line : lines) {
        joined += line + "\n";
    }
    const auto digest = crypto::sha256(joined);
    return crypto::toHex(digest);
}

std::vector<CertificateLimit> limitsFor(const BudgetConfig& budget,
                                        const std::vector<acme::Identifier>& identifiers,
                                        bool renewal) {
    std::vector<CertificateLimit> out;
    if (budget.certificatesPerDomain > 0 && !renewal) {
        std::set<std::string> domains;
        for (const auto& id : identifiers) {
            if (id.type == "dns") {
                domains.insert(registeredDomain(id.value));
            }
        }
        for (const auto& domain : domains) {
            out.push_back({"certificates-per-domain", "domain:" + domain,
                           budget.certificatesPerDomain,
                           std::chrono::seconds(budget.perDomainPeriodSeconds)});
        }
    }
    if (budget.duplicateCertificates > 0) {
        out.push_back({"duplicate-certificates", "set:" + identifierSetKey(identifiers),
                       budget.duplicateCertificates,
                       std::chrono::seconds(budget.duplicatePeriodSeconds)});
    }
    return out;
}

}  // namespace legate::ido::relay
