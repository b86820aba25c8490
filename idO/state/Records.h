#pragma once
/// The records `ido` keeps in Redis, one struct per Redis hash (docs/state.md), with
/// their conversion to and from hash fields.  Times are stored as Unix seconds.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/Clock.h"
#include "broker/core/Problem.h"

namespace legate::store {
class RedisReply;
}

namespace legate::ido {

using FieldMap = std::map<std::string, std::string>;

/// HGETALL's alternating field/value array as a map (empty for nil or a missing key).
FieldMap fieldsOf(const store::RedisReply& reply);

std::string timeField(TimePoint t);
TimePoint timeFromField(const std::string& text);

/// An NDC (a CDN) onboarded by the admin API, with its External Account Binding key.
struct NdcRecord {
    std::string id;
    std::string name;
    std::string contact;
    std::string eabKid;
    std::string accountId;  ///< empty until the NDC's ACME account binds the EAB key
    TimePoint created;

    static std::optional<NdcRecord> fromFields(std::string id, const FieldMap& f);
};

/// An EAB key (RFC 8555 §7.3.4) handed to one NDC; binds exactly one account, once.
struct EabRecord {
    std::string kid;
    std::string hmacKey;  ///< base64url; secret: never logged
    std::string ndcId;
    std::string accountId;  ///< empty until bound

    static std::optional<EabRecord> fromFields(std::string kid, const FieldMap& f);
};

/// An ACME account on the IdO's NDC-facing server.
struct AccountRecord {
    std::string id;
    std::string ndcId;
    std::string status;  ///< "valid" or "deactivated"
    nlohmann::json jwk;  ///< the public JWK
    std::string thumbprint;
    std::vector<std::string> contact;
    std::string eabKid;
    TimePoint created;

    bool valid() const { return status == "valid"; }
    static std::optional<AccountRecord> fromFields(std::string id, const FieldMap& f);
};

/// STAR limits of one delegation (tighter than or equal to the tenant's).
struct StarPolicy {
    int64_t minLifetime = 0;
    int64_t maxDuration = 0;
};

/// Implicit delegation (docs/conformance.md): a newOrder without `delegation` from the
/// NDC's account may be matched to this delegation.
struct ImplicitPolicy {
    /// Validity in seconds of a non-STAR certificate whose order did not ask for a
    /// notAfter: stock clients never do, so the delegation sets it (short-lived, renewed
    /// by the client).
    int64_t lifetime = 0;
};

/// A delegation: a CSR template (and optional CNAME map) bound to one NDC.
struct DelegationRecord {
    std::string id;
    std::string ndcId;
    nlohmann::json csrTemplate;
    nlohmann::json cnameMap;  ///< object or null
    std::vector<std::string> allowedSuffixes;
    std::optional<StarPolicy> star;
    std::optional<ImplicitPolicy> implicit;  ///< set when implicit delegation is on
    std::string profile;                     ///< bundled profile it was made from, or ""
    /// What ending its orders does upstream: "stop-renewal" or "revoke"; "" = the
    /// tenant's `upstream.termination` (idO/config/UpstreamConfig.h).
    std::string termination;
    std::string status;  ///< "active" or "terminated"
    TimePoint created;

    bool active() const { return status == "active"; }
    static std::optional<DelegationRecord> fromFields(std::string id, const FieldMap& f);
};

// Certificates and CSRs are stored as DER, 3/4 of their PEM or base64url text
// (docs/state.md "Encodings").  Records written by a release before 2026-12 hold the text;
// readers accept both.  A stored value is DER when it starts like a DER SEQUENCE with a
// long-form length (0x30 0x81..0x83), which no PEM or base64url text can.

/// The stored form of an end-entity certificate: its DER when `pem` is exactly one PEM
/// CERTIFICATE block, else `pem` unchanged.
std::string certificateForStorage(std::string_view pem);
/// The PEM of a stored end-entity certificate (PEM from an older release: as it is).
std::string storedCertificatePem(std::string_view stored);
/// The DER of a stored CSR (base64url from an older release: decoded; a value that is
/// neither is returned as it is, for the CSR parser to refuse).
std::string storedCsrDer(std::string_view stored);

/// Order1: an NDC's order on the IdO.
struct OrderRecord {
    std::string id;
    std::string accountId;
    std::string delegationId;
    /// Matched by implicit delegation (no `delegation` member sent): the order lists one
    /// already-valid authorization per identifier, which stock clients need to see.
    bool implicit = false;
    std::string status;  ///< ready, processing, valid, invalid, canceled
    std::vector<acme::Identifier> identifiers;
    /// STAR: the reflected auto-renewal object (start-date, end-date, lifetime,
    /// lifetime-adjust, allow-certificate-get); null for non-STAR.
    nlohmann::json autoRenewal;
    bool allowCertificateGet = false;  ///< non-STAR top-level flag
    std::optional<TimePoint> notBefore;
    std::optional<TimePoint> notAfter;
    TimePoint expires;
    /// The CSR as DER, once finalize is accepted.  Stored as DER (docs/state.md); an
    /// order written by a release before 2026-12 holds base64url text, decoded here.
    std::string csrDer;
    nlohmann::json error;  ///< problem document or null
    std::string certToken;
    /// The CA's certificate / star-certificate URL when Order1 points there instead of
    /// at the IdO's publication (STAR relay; non-STAR when the CA allows GET).
    std::string upstreamUrl;
    TimePoint created;

    bool star() const { return autoRenewal.is_object(); }
    static std::optional<OrderRecord> fromFields(std::string id, const FieldMap& f);
};

/// One certificate a publication served or serves (its history, docs/state.md).
struct CertificateWindow {
    int64_t version = 0;  ///< the publication's version that brought it
    TimePoint notBefore;
    TimePoint notAfter;
    TimePoint servedFrom;  ///< when the publication started serving it
    TimePoint published;   ///< when the IdO stored it
};

/// The publication of an order's certificate: what CDN edges fetch.
struct CertificateRecord {
    std::string token;
    std::string orderId;
    std::string state;  ///< pending, active, canceled
    /// The current chain as PEM, end-entity first.  Redis holds the end-entity
    /// certificate as DER and the issuer chain once per tenant (docs/state.md);
    /// TenantState::certificate puts the PEM chain together.
    std::string pem;
    std::optional<TimePoint> notBefore;
    std::optional<TimePoint> notAfter;
    /// When the next certificate is due to be published (STAR), for Cache-Control.
    std::optional<TimePoint> nextPublication;
    std::optional<TimePoint> endDate;  ///< STAR end-date: afterwards autoRenewalExpired
    bool allowGet = false;             ///< unauthenticated GET/HEAD negotiated
    bool star = false;
    int64_t version = 0;

    /// The next STAR certificate, obtained ahead of time and staged until `nextFrom`,
    /// when it replaces the current one (chosen at read time by servedAt, so the switch
    /// happens at the exact second whether or not a worker is running then).
    std::string nextPem;
    std::optional<TimePoint> nextNotBefore;
    std::optional<TimePoint> nextNotAfter;
    std::optional<TimePoint> nextFrom;
    std::optional<TimePoint> nextNextPublication;

    /// What is served at one instant.
    struct Served {
        const std::string* pem = nullptr;
        TimePoint notBefore;
        TimePoint notAfter;
        std::optional<TimePoint> nextPublication;
    };
    /// The certificate to serve at `now`: the staged one once its time has come, else
    /// the current one; nullopt when there is none.
    std::optional<Served> servedAt(TimePoint now) const;

    static std::optional<CertificateRecord> fromFields(std::string token, const FieldMap& f);
};

}  // namespace legate::ido
