#pragma once
/// Mode `star-relay` (docs/upstream.md): the CA offers STAR (RFC 8739) with
/// allow-certificate-get, so the relay is RFC 9115 as written — Order2 carries Order1's
/// `auto-renewal` with allow-certificate-get, and Order1 `star-certificate` becomes the
/// CA's URL.  The CA renews; the IdO only cancels Order2 when Order1 ends.

#include "broker/core/Result.h"
#include "idO/relay/OrderContext.h"
#include "idO/relay/StepOutcome.h"

namespace legate::ido::relay {

class StarRelay {
public:
    /// One step: obtain (or go on obtaining) the valid STAR Order2, check it reflects
    /// what was asked, hand its URL to Order1, finish.
    static Result<StepOutcome> step(OrderContext& c);
};

}  // namespace legate::ido::relay
