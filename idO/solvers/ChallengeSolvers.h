#pragma once
/// A tenant's challenge solvers as one object: picks a challenge of an upstream
/// authorization, installs the response, self-checks it, and cleans up afterwards.
///
///   auto solvers = ChallengeSolvers::start(config.solvers);      // starts responders
///   const Challenge* c = (*solvers)->choose(authz);              // nullptr: none fits
///   LEGATE_TRY((*solvers)->present(authz, *c, client));          // install + self-check
///   client.respondToChallenge(c->url); client.pollAuthorization(...);
///   (*solvers)->cleanup(authz, *c, client);
///
/// choose() walks the configured preference and takes the first challenge type the
/// authorization offers and a solver exists for.  Restrictions of the methods come
/// first: a wildcard authorization can only be validated with dns-01 (RFC 8555
/// §7.1.3, §8.4); an "ip" identifier (RFC 8738) only with http-01 here (dns-01 has no
/// name to write, and the tls-alpn-01 responder serves DNS names only).
///
/// present() runs the self-check before returning, so the caller tells the CA to
/// validate only once the response is really served: a CA validation that fails is
/// an invalid authorization (and a rate-limit hit), a self-check that fails is just a
/// Problem to retry later.
///
/// Call cleanup() whatever present() returned: a self-check that failed may have left
/// the response installed.
///
/// Thread-safe: several relay workers share one instance, each with its own
/// AcmeClient (which computes the key authorization from its account key).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/core/Result.h"
#include "idO/solvers/Dns01Solver.h"
#include "idO/solvers/Http01Responder.h"
#include "idO/solvers/SolverConfig.h"
#include "idO/solvers/TlsAlpn01Responder.h"
#include "idO/upstream/AcmeClient.h"
#include "idO/upstream/AcmeObjects.h"

namespace legate::ido::solvers {

class ChallengeSolvers {
public:
    /// Starts the configured responders (http-01, tls-alpn-01 listen at once) and
    /// creates the dns-01 solver.  A port in use or a bad configuration is a Problem.
    /// An empty `preference` means: the configured solvers, http-01, dns-01,
    /// tls-alpn-01 in this order.
    static Result<std::unique_ptr<ChallengeSolvers>> start(const SolverConfig& config);

    ~ChallengeSolvers();
    ChallengeSolvers(const ChallengeSolvers&) = delete;
    ChallengeSolvers& operator=(const ChallengeSolvers&) = delete;

    /// The challenge to answer, or nullptr when none of the offered types can be
    /// solved here (see above for the wildcard / IP rules).
    const upstream::Challenge* choose(const upstream::Authorization& authorization) const;

    /// True when `type` may be used for `authorization` and a solver exists for it.
    bool canSolve(const upstream::Authorization& authorization, std::string_view type) const;

    /// Computes the key authorization (or the dns-01 digest) with `client`, installs
    /// it, and self-checks it.  A challenge type that cannot be solved for this
    /// authorization (see canSolve) is `unsupportedIdentifier`; a missing token is
    /// `malformed`; the solvers' own Problems are passed on.
    Status present(const upstream::Authorization& authorization,
                   const upstream::Challenge& challenge, upstream::AcmeClient& client);

    /// Removes what present() installed; failures are logged only (the CA has decided
    /// by now, and a leftover TXT or token is harmless until the next cleanup).
    void cleanup(const upstream::Authorization& authorization, const upstream::Challenge& challenge,
                 upstream::AcmeClient& client);

    /// The identifiers of `identifiers` that the dns-01 solver validates through DCV
    /// delegation: none without `dcv-delegation`; with it, the DNS names dns-01 will be
    /// chosen for (every wildcard; the others when dns-01 is the first preference).
    std::vector<std::string> dcvIdentifiers(const std::vector<acme::Identifier>& identifiers) const;

    /// The DCV preflight, before any order is placed for `identifiers`: every name of
    /// dcvIdentifiers() must have its `_acme-challenge` CNAME pointing at the validation
    /// zone (DcvChecker, DcvDelegation.h).  A `dns` Problem (400) with one subproblem per
    /// name that lacks it; status 503 when the resolver could not be asked.
    Status dcvPreflight(const std::vector<acme::Identifier>& identifiers) const;

    const std::vector<std::string>& preference() const { return preference_; }
    /// The running solvers (nullptr when not configured), e.g. for ports in tests.
    Http01Responder* http01() const { return http01_.get(); }
    TlsAlpn01Responder* tlsAlpn01() const { return tlsAlpn01_.get(); }
    const Dns01Solver* dns01() const { return dns01_ ? &*dns01_ : nullptr; }

private:
    ChallengeSolvers() = default;

    std::vector<std::string> preference_;
    Http01ResponderPtr http01_;
    TlsAlpn01ResponderPtr tlsAlpn01_;
    std::optional<Dns01Solver> dns01_;
};

}  // namespace legate::ido::solvers
