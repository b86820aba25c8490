#pragma once
/// Mode `emulate` (docs/upstream.md, docs/star-emulation.md): STAR for a CA without
/// RFC 8739 — the IdO orders one short-lived certificate per period of Order1's
/// schedule (idO/star) and publishes each at its own URL before the previous expires.

#include "broker/core/Result.h"
#include "idO/relay/OrderContext.h"
#include "idO/relay/StepOutcome.h"

namespace legate::ido::relay {

class StarEmulation {
public:
    /// One step: obtain (or go on obtaining) the certificate whose window is due,
    /// publish it, and say when the next one is due — or that the schedule ended.  A
    /// worker that fell behind publishes up to a few due windows in a row.
    static Result<StepOutcome> step(OrderContext& c);
};

}  // namespace legate::ido::relay
