#pragma once
/// The one place an acme::Problem becomes an HTTP response (RFC 7807 / RFC 8555 §6.7):
/// status from the problem, `Content-Type: application/problem+json`, body =
/// problem.toJson().  Callers add headers afterwards (e.g. a fresh Replay-Nonce, which
/// RFC 8555 requires on badNonce).

#include "broker/core/Problem.h"
#include "broker/http/Response.h"

namespace legate::http {

/// A status outside 400..599 (a bug in whoever built the problem) is sent as 500, so
/// an error never reaches a client as a success.
Response problemResponse(const acme::Problem& problem);

}  // namespace legate::http
