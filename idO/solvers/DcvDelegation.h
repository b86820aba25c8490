#pragma once
/// DCV delegation, the way CDNs onboard customers' names (docs/upstream.md, "DCV
/// delegation"): each name the IdO validates carries a one-time
///
///     _acme-challenge.<name>.  CNAME  <label>.<validation zone>.
///
/// in whatever zone holds the name, and the dns-01 solver writes its TXT record at
/// the CNAME's target, in a validation zone it updates with RFC 2136 + TSIG.  The CA
/// follows the CNAME (RFC 8555 §8.4 validation is an ordinary DNS lookup), so names in
/// a zone the IdO cannot update (a DNS provider without an API, another team's zone)
/// are validated again at every renewal without anyone touching their zone.
///
/// The label is a pure function of the name, so the records can be printed before
/// anything exists and checked by anyone:
///
///     label = first 26 characters of lowercase base32 (RFC 4648 §6, no padding) of
///             SHA-256("legate-dcv:" + name), name lowercased, without the trailing dot
///
/// 26 base32 characters carry 130 bits (collision-free for any realistic number of
/// names) and form a valid DNS label (letters and digits only).  A wildcard
/// "*.example.com" is validated at "_acme-challenge.example.com" (RFC 8555 §8.4), so
/// it shares the record of "example.com".
///
///   auto record = dcvRecord("www.example.com", "dcv.ido.example");
///   // record->owner  == "_acme-challenge.www.example.com."
///   // record->target == "4f7xlabdks4yxarv3si73wzhlv.dcv.ido.example."
///   DcvChecker checker({.server = "192.0.2.53"});
///   auto checks = checker.check({"www.example.com"}, "dcv.ido.example");

#include <string>
#include <string_view>
#include <vector>

#include "broker/core/Problem.h"
#include "broker/core/Result.h"
#include "idO/solvers/Rfc2136Client.h"

namespace legate::ido::solvers {

/// The `dcv-delegation` member of the dns-01 solver's configuration.
struct DcvDelegationConfig {
    /// The validation zone (normalised, one trailing dot): inside the dns-01 solver's
    /// RFC 2136 zone, so the solver can write there.
    std::string zone;
    /// Where the preflight asks for the CNAMEs (RD set): `resolver` in the config, the
    /// system's resolvers (/etc/resolv.conf) when absent.
    DnsServer resolver = [] {
        DnsServer system;
        system.recursive = true;
        return system;
    }();
};

/// Which of `identifiers` are validated through DCV delegation when the tenant's solver
/// preference is `preference` (and dns-01 has `dcv-delegation`): the DNS names dns-01
/// will be chosen for, i.e. every wildcard, and the others when dns-01 comes first.
/// The CA offers dns-01 for every DNS name, so that choice is known before ordering.
std::vector<std::string> dcvIdentifiers(const std::vector<std::string>& preference,
                                        const std::vector<acme::Identifier>& identifiers);

/// The label of `identifier` ("*." stripped, lowercased, trailing dot ignored); a
/// Problem (malformed) for a name normaliseDnsName refuses.
Result<std::string> dcvLabel(std::string_view identifier);

/// The CNAME one name needs.
struct DcvRecord {
    std::string identifier;  ///< as given ("*.example.com")
    std::string owner;       ///< "_acme-challenge.example.com."
    std::string target;      ///< "<label>.<zone>."

    /// "_acme-challenge.example.com. CNAME <label>.<zone>." (zone-file form).
    std::string zoneLine() const;
};

/// The record `identifier` needs to be validated through `zone` (the validation zone).
Result<DcvRecord> dcvRecord(std::string_view identifier, std::string_view zone);

/// What the resolver answers for one name's `_acme-challenge` CNAME.
enum class DcvState {
    ok,           ///< the CNAME is there and points at the target
    missing,      ///< no CNAME at the owner name
    wrongTarget,  ///< a CNAME, pointing elsewhere
};
std::string_view nameOf(DcvState state);

struct DcvCheck {
    DcvRecord record;
    DcvState state = DcvState::missing;
    std::string found;  ///< the target(s) served, when wrongTarget
};

/// Asks a resolver whether the CNAMEs of a set of names are in place.
class DcvChecker {
public:
    explicit DcvChecker(DnsServer resolver) : resolver_(std::move(resolver)) {}

    /// One check per identifier, in order (identifiers sharing a record, a name and its
    /// wildcard, are checked once each all the same).  A name that is not a DNS name is
    /// `malformed`; a resolver that does not answer (or answers SERVFAIL, REFUSED) is a
    /// `dns` Problem with status 503: a transient failure, not a verdict on the CNAME.
    Result<std::vector<DcvCheck>> check(const std::vector<std::string>& identifiers,
                                        std::string_view zone) const;

    const DnsServer& resolver() const { return resolver_; }

private:
    DnsServer resolver_;
};

/// The verdict of the preflight on `checks`: ok when every CNAME is in place, else a
/// `dns` Problem (status 400) with one subproblem per bad name, each naming its
/// identifier, what the resolver serves and the CNAME to create (never the resolver's
/// address: NDCs read this problem).
Status dcvVerdict(const std::vector<DcvCheck>& checks);

}  // namespace legate::ido::solvers
