#pragma once
/// The timing settings of one STAR order (RFC 8739 §3.1.1, digest §3.2) as the STAR
/// emulation needs them: the `auto-renewal` object reflected in Order1 after the IdO's
/// bounds were applied (idO/acme/OrderRequest.h `settleAutoRenewal`).

#include <optional>

#include <nlohmann/json.hpp>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"

namespace legate::ido::star {

struct AutoRenewal {
    /// Earliest validity of the first certificate; absent = "as soon as authorization
    /// completes", which the emulation takes to be the first issuance time.
    std::optional<TimePoint> startDate;
    /// Latest validity (notAfter bound) of the last certificate.
    TimePoint endDate;
    /// T: nominal validity of each certificate, excluding the left pad.
    Seconds lifetime{0};
    /// la: the client's requested back-dating of notBefore (default 0).
    Seconds lifetimeAdjust{0};

    /// Reads the stored/reflected object ({"start-date", "end-date", "lifetime",
    /// "lifetime-adjust", ...}; other members ignored).  Wrong types or a missing
    /// required member are `malformed`; the values themselves are checked by
    /// StarSchedule::create.
    static Result<AutoRenewal> fromJson(const nlohmann::json& object);
};

}  // namespace legate::ido::star
