#pragma once
/// Mode `relay` (docs/upstream.md): a non-STAR Order1 gets one certificate from one
/// Order2.  Order1 `certificate` is the CA's URL when the CA allows unauthenticated GET
/// and the NDC asked for it (RFC 9115 §2.3.4), otherwise the IdO's hosted copy.

#include "broker/core/Result.h"
#include "idO/relay/OrderContext.h"
#include "idO/relay/StepOutcome.h"

namespace legate::ido::relay {

class NonStarRelay {
public:
    /// One step: obtain (or go on obtaining) the certificate, publish it, finish.
    static Result<StepOutcome> step(OrderContext& c);
};

}  // namespace legate::ido::relay
