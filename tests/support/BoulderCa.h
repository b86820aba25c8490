#pragma once
/// An in-process ACME CA that behaves like Let's Encrypt's Boulder where it matters to
/// the IdO's upstream side (docs/upstream.md, "Let's Encrypt"), for tests that cannot
/// run Boulder itself (Debian 12 packages neither Boulder nor a Pebble with ARI and
/// profiles):
///
///  * newOrder with `notBefore` or `notAfter` is refused exactly as Boulder's WFE does:
///    400 `urn:ietf:params:acme:error:malformed`, "NotBefore and NotAfter are not
///    supported"; validity comes only from the profile.
///  * ACME profiles in `meta.profiles` (name -> description), chosen by the order member
///    `profile`, each with its own certificate validity, authorization reuse window,
///    order lifetime and name limit (Let's Encrypt's three, scaled down for tests).
///  * ARI (RFC 9773): `renewalInfo` in the directory, `GET <renewalInfo>/<certID>` with
///    a suggestedWindow and Retry-After; newOrder `replaces` must name a certificate
///    this CA issued, sharing an identifier with the order, not already replaced
///    (409 `alreadyReplaced`); ARI renewals are exempt from the new-order rate limit.
///  * A new-order rate limit per sliding window: 429 `rateLimited` with Retry-After.
///  * Authorizations reused only within the profile's reuse window.
///  * Real certificates (its own root and intermediate, P-256), for the NDC's CSR key.
///
/// Where it differs from Boulder (on purpose, to keep it small): JWS signatures are not
/// verified (the test trusts its client); challenges are accepted when answered, not
/// validated (hold() keeps them `processing`); one account namespace; only the
/// new-orders limit is enforced; orders may be canceled (POST {"status":"canceled"},
/// which Boulder does not implement) so termination tests can see the attempt — until
/// issuance has started: a `processing` or `valid` order answers 400 (only revocation
/// ends that certificate).
///
/// Everything it receives is recorded, and a test can hold validation or issuance and
/// release it later (termination races).  Thread-safe; time is the system clock (tests
/// use scaled validities of a few seconds and poll).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/crypto/Certificate.h"
#include "broker/crypto/Key.h"
#include "broker/http/Server.h"

namespace legate::test {

/// One ACME profile of the CA.
struct BoulderProfile {
    std::string name;
    std::string description;
    std::chrono::seconds validity{90LL * 86400};
    /// A valid authorization is reused for new orders this long after validation.
    std::chrono::seconds authzReuse{30LL * 86400};
    std::chrono::seconds orderLifetime{7LL * 86400};
    std::size_t maxNames = 100;
};

struct BoulderCaOptions {
    /// Default: letsEncryptProfiles(1.0).
    std::vector<BoulderProfile> profiles;
    /// Used when an order names no profile.
    std::string defaultProfile = "classic";
    /// New orders (not ARI renewals) allowed per `rateWindow`; 0 = no limit.
    int newOrdersPerWindow = 0;
    std::chrono::seconds rateWindow{3 * 3600};
    /// notBefore is this much before issuance (Boulder: one hour).
    std::chrono::seconds backdate{0};
    /// ARI suggestedWindow as fractions of a certificate's validity from its notBefore.
    double ariWindowStart = 0.5;
    double ariWindowEnd = 0.6;
    /// Retry-After of renewalInfo answers.
    std::chrono::seconds ariRetryAfter{6 * 3600};
    /// Serve renewalInfo at all (and accept `replaces`).
    bool offerAri = true;
};

/// A request the CA received at newOrder, and how it answered.
struct BoulderNewOrder {
    nlohmann::json payload;
    int status = 0;        ///< HTTP status of the answer
    std::string problem;   ///< the problem type URN, empty on success
    std::string orderUrl;  ///< on success
};

/// A certificate the CA issued.
struct BoulderIssued {
    crypto::Certificate certificate;
    std::string certId;    ///< RFC 9773 certificate identifier
    std::string profile;   ///< the order's profile
    std::string replaces;  ///< the order's `replaces`, empty when none
    std::string orderUrl;
};

class BoulderCa {
public:
    /// Let's Encrypt's profiles (2026) with every duration multiplied by `scale`
    /// (at least one second): classic 90 d / reuse 30 d / order 7 d / 100 names,
    /// tlsserver 45 d / 7 h / 7 d / 25, shortlived 160 h / 7 h / 8 h / 25.
    static std::vector<BoulderProfile> letsEncryptProfiles(double scale = 1.0);

    /// The RFC 9773 §4.1 identifier of `cert`: base64url(AKI keyIdentifier) "."
    /// base64url(serial DER contents), computed here independently of the IdO's code.
    static std::string certIdOf(const crypto::Certificate& cert);

    /// Starts on 127.0.0.1 (a free port) over HTTPS with a development certificate in
    /// `dir`; the issuing root's PEM is written to `dir`/boulder-root.pem.
    explicit BoulderCa(const std::filesystem::path& dir, BoulderCaOptions options = {});
    ~BoulderCa();
    BoulderCa(const BoulderCa&) = delete;
    BoulderCa& operator=(const BoulderCa&) = delete;

    std::string directoryUrl() const;
    /// Trust anchor of the CA's HTTPS endpoint (AcmeClientOptions::caBundle).
    const std::filesystem::path& tlsCaFile() const { return tlsCaFile_; }
    /// The issuing root (upstream `roots`).
    const std::filesystem::path& rootsFile() const { return rootsFile_; }

    // ---- what it saw ----
    std::vector<BoulderNewOrder> newOrders();
    std::vector<BoulderIssued> issued();
    /// Challenges answered (POSTed to).
    int challengesAnswered();
    /// Authorizations created (not reused).
    int authorizationsCreated();
    /// newOrder answers 429.
    int rateLimited();
    /// renewalInfo requests answered.
    int renewalInfoRequests();
    /// Order URLs a cancel was POSTed to (refused ones too).
    std::vector<std::string> cancelRequests();
    /// Serials (hex) revoked through revokeCert.
    std::vector<std::string> revokedSerials();

    // ---- what it does ----
    /// While held, answered challenges stay `processing` (validation "in progress").
    void holdValidation(bool on);
    /// While held, finalized orders stay `processing` (issuance "in progress").
    void holdIssuance(bool on);
    /// While on, answered challenges fail (challenge and authorization `invalid`, the
    /// order `invalid`), as when the name does not point at the IdO.
    void failValidation(bool on);
    /// Changes the new-order rate limit (0 = none) and forgets past orders.
    void setNewOrderLimit(int orders, std::chrono::seconds window);
    /// Makes every renewalInfo window [now - 1 s, now] from here on ("renew now"), or
    /// back to the fractions of the options.
    void suggestRenewalNow(bool on);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::filesystem::path tlsCaFile_;
    std::filesystem::path rootsFile_;
};

}  // namespace legate::test
