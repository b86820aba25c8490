#pragma once
/// The problem the upstream ACME client reports when the CA's answer itself is unusable
/// (not JSON, a required member missing, an unexpected status without a problem
/// document): serverInternal with HTTP status 502, because for our own clients it is a
/// bad gateway, not their fault.

#include <string>

#include "broker/core/Problem.h"

namespace legate::ido::upstream {

inline acme::Problem badUpstream(std::string detail) {
    return acme::Problem::make(acme::ErrorType::serverInternal, "upstream CA: " + std::move(detail),
                               502);
}

}  // namespace legate::ido::upstream
