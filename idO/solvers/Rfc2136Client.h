#pragma once
/// RFC 2136 dynamic DNS updates, signed with TSIG (RFC 8945), sent to one
/// authoritative server — the way the IdO publishes dns-01 challenge records in a zone
/// it controls (e.g. BIND with `allow-update { key "NAME"; };`).
///
///   auto client = Rfc2136Client::create(config);            // Result<Rfc2136Client>
///   client->addRecord("_acme-challenge.abc.ido.example", "TXT", 60, "token-digest");
///   client->deleteRecord("_acme-challenge.abc.ido.example", "TXT", "token-digest");
///   client->query("_acme-challenge.abc.ido.example", "TXT"); // what the server serves
///
/// Every update is checked for RCODE NOERROR; anything else (NOTAUTH for a wrong key,
/// REFUSED, NOTZONE, a timeout, an answer whose TSIG does not verify) is a `dns`
/// Problem naming the record, the server and the RCODE (plus the TSIG error such as
/// BADSIG / BADKEY when the server reports one).
///
/// Names are normalised (lowercase, one trailing dot) and a name outside the
/// configured zone is refused BEFORE anything is sent: the key may be good for more
/// than this zone, the solver must never be the way to write there.
///
/// Built on ldns (update packets, TSIG signing and verification).  Each call uses its
/// own ldns resolver, so one client may be used from several threads.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/Result.h"

namespace legate::ido::solvers {

/// A TSIG key as BIND's `key` statement declares it.
struct TsigKey {
    /// The key name ("legate-ido-key"); a DNS name, compared case-insensitively.
    std::string name;
    /// "hmac-sha256" (also accepted: hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1).
    std::string algorithm = "hmac-sha256";
    /// The shared secret, base64 as in named.conf.
    std::string secret;
};

struct Rfc2136Config {
    /// IP literal of the authoritative server (IPv4 or IPv6), not a host name: the
    /// solver must not depend on the resolution it is about to change.
    std::string server = "127.0.0.1";
    uint16_t port = 53;
    /// The zone updates are sent for; every name must be inside it.
    std::string zone;
    TsigKey tsig;
    /// Wait for one answer; with `retries` UDP retransmissions (TCP on truncation).
    std::chrono::milliseconds timeout{std::chrono::seconds(3)};
    int retries = 2;
};

/// A DNS server to ask questions (no TSIG): an IP literal and port, or an empty
/// `server` for the system's resolvers (/etc/resolv.conf).
struct DnsServer {
    std::string server;
    uint16_t port = 53;
    std::chrono::milliseconds timeout{std::chrono::seconds(3)};
    int retries = 2;
    /// Sets RD (a recursive resolver); off to ask an authoritative server directly.
    bool recursive = false;

    /// "127.0.0.1:53" or "the system resolver" (for messages).
    std::string text() const;
};

/// Asks `server` for `type` at `name` and returns the rdata of the answers whose owner
/// is `name` (TXT as the text, character-strings joined; others in presentation form,
/// names absolute).  NXDOMAIN or no data is an empty list; no answer or another RCODE
/// is a `dns` Problem.
Result<std::vector<std::string>> queryDns(const DnsServer& server, std::string_view name,
                                          std::string_view type);

class Rfc2136Client {
public:
    /// Checks the configuration (server literal, zone and key name syntax, known
    /// algorithm, non-empty base64 secret); a Problem (serverInternal) otherwise.
    static Result<Rfc2136Client> create(Rfc2136Config config);

    /// Adds one record.  `rdata` is the presentation form ("127.0.0.1" for A, an
    /// absolute name for CNAME), except for TXT where it is the raw text (printable
    /// ASCII, at most 255 octets), quoted and escaped here.  Adding a record that is
    /// already there is not an error (RFC 2136 §3.4.2.2).
    Status addRecord(std::string_view name, std::string_view type, uint32_t ttl,
                     std::string_view rdata);

    /// Deletes the record with exactly this `rdata` (same form as addRecord), or the
    /// whole RRset of `type` at `name` when `rdata` is nullopt.  Deleting what is not
    /// there is not an error.
    Status deleteRecord(std::string_view name, std::string_view type,
                        std::optional<std::string_view> rdata = std::nullopt);

    /// Asks the server directly (RD=0, not signed) for `type` at `name` and returns the
    /// rdata of the matching answers: TXT as the text (character-strings joined),
    /// others in presentation form.  NXDOMAIN or no data is an empty list.  Any name
    /// may be asked (self-checks of names the server is authoritative for).
    Result<std::vector<std::string>> query(std::string_view name, std::string_view type) const;

    /// The zone, normalised ("ido.example.").
    const std::string& zone() const { return zone_; }
    /// "127.0.0.1:53" (for messages).
    std::string serverText() const;

private:
    explicit Rfc2136Client(Rfc2136Config config, std::string zone)
        : config_(std::move(config)), zone_(std::move(zone)) {}

    /// Normalises `name` and refuses it when outside the zone.
    Result<std::string> nameInZone(std::string_view name) const;
    /// Builds "name ttl IN type rdata" with rdata checked (and quoted for TXT).
    Result<std::string> recordText(const std::string& name, std::string_view type, uint32_t ttl,
                                   std::string_view rdata) const;
    /// Signs and sends one update whose update section is `recordText` (parsed by ldns),
    /// with class NONE and TTL 0 when `deletion`; `what` names it in Problems.
    Status sendUpdate(const std::string& name, std::string_view type,
                      const std::optional<std::string>& recordText, bool deletion,
                      const std::string& what) const;

    Rfc2136Config config_;
    std::string zone_;
};

}  // namespace legate::ido::solvers
