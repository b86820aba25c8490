#pragma once
/// The dns-01 challenge solver (RFC 8555 §8.4): publishes the TXT record
/// `_acme-challenge.<identifier>.` with the key-authorization digest through RFC 2136
/// updates to the zone's authoritative server, checks that server serves it, and
/// removes exactly that value afterwards.
///
///   auto solver = Dns01Solver::create(config);
///   solver->present("*.abc.ido.example", digest);   // add + self-check
///   ...  the CA validates ...
///   solver->cleanup("*.abc.ido.example", digest);   // delete that TXT rdata only
///
/// A wildcard and its base name share one `_acme-challenge` name, and an order for
/// both has two challenges live at once: that is why cleanup deletes one rdata, never
/// the RRset.
///
/// With DCV delegation (`config.dcv`, docs/upstream.md) the record is written at the
/// target of the name's `_acme-challenge` CNAME instead, `<label>.<validation zone>.`,
/// derived from the name (DcvDelegation.h) rather than looked up: the relay's preflight
/// has checked that the CNAME points exactly there before any order was placed.
///
/// The self-check asks the authoritative server itself (not a recursive resolver,
/// whose caches would only add delay): polling is bounded by `selfCheckAttempts`,
/// and the wait between polls goes through an injectable `sleep`.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "broker/core/Result.h"
#include "idO/solvers/DcvDelegation.h"
#include "idO/solvers/Rfc2136Client.h"

namespace legate::ido::solvers {

struct Dns01SolverConfig {
    /// Where and how to send updates (server, port, zone, TSIG key).
    Rfc2136Config dns;
    /// TTL of the published TXT records: short, they live for one validation.
    uint32_t ttl = 60;
    /// Queries made before present() gives up on seeing its record.
    int selfCheckAttempts = 20;
    /// Wait between two self-check queries.
    std::chrono::milliseconds selfCheckInterval{std::chrono::milliseconds(250)};
    /// DCV delegation (idO/solvers/DcvDelegation.h): the TXT records go to
    /// `<label>.<dcv->zone>` instead of `_acme-challenge.<identifier>`.
    std::optional<DcvDelegationConfig> dcv;
    /// How to wait; empty means std::this_thread::sleep_for.  Tests inject their own.
    std::function<void(std::chrono::milliseconds)> sleep{};
};

class Dns01Solver {
public:
    /// Validates the RFC 2136 configuration (see Rfc2136Client::create).
    static Result<Dns01Solver> create(Dns01SolverConfig config);

    /// Adds TXT `txtValue` at `_acme-challenge.<identifier>.` ("*." stripped), then
    /// polls the authoritative server until it serves that value.  A refused update,
    /// an identifier outside the zone, or a value still not visible after the bounded
    /// polling is a `dns` / `rejectedIdentifier` Problem.
    Status present(std::string_view identifier, std::string_view txtValue);

    /// Deletes the TXT record with exactly `txtValue` (other values stay).
    Status cleanup(std::string_view identifier, std::string_view txtValue);

    /// Polls until `txtValue` is served at the challenge name of `identifier`.
    Status selfCheck(std::string_view identifier, std::string_view txtValue) const;

    /// Where the TXT record of `identifier` is written: `_acme-challenge.<name>.`, or
    /// with DCV delegation the target of that name's CNAME, `<label>.<zone>.`.
    Result<std::string> challengeName(std::string_view identifier) const;

    /// The DCV delegation settings, or nullptr when the TXT records go to the names'
    /// own `_acme-challenge`.
    const DcvDelegationConfig* dcv() const { return config_.dcv ? &*config_.dcv : nullptr; }

    const Rfc2136Client& client() const { return client_; }

private:
    Dns01Solver(Dns01SolverConfig config, Rfc2136Client client)
        : config_(std::move(config)), client_(std::move(client)) {}

    Dns01SolverConfig config_;
    Rfc2136Client client_;
};

}  // namespace legate::ido::solvers
