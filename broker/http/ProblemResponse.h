#pragma once
/// The one place an acme::Problem becomes an HTTP response (RFC 7807 / RFC 8555 §6.7):
/// status from the problem, `Content-Type: application/problem+json`, body =
/// problem.toJson().  Callers add headers afterwards (e.g. a fresh Replay-Nonce, which
/// RFC 8555 requires on badNonce).
///
/// A problem about the server itself (serverInternal, or any 5xx) carries internal
/// detail: Redis host and port, hiredis and OpenSSL messages, file paths.  None of it
/// goes to the client: the detail is logged with a correlation id, and the client's
/// problem carries only that id, so an operator can find the log line.

#include <string>
#include <string_view>

#include "broker/core/Problem.h"
#include "broker/http/Response.h"

namespace legate::http {

/// True for a problem whose detail must not reach a client: type serverInternal, or a
/// status of 500 and above.
bool isInternalProblem(const acme::Problem& problem);

/// 64 random bits in hex: the id of a request, and the correlation id of an internal
/// problem that has none (the log holds the detail under it).
std::string newCorrelationId();

/// What a client may see of `problem`: itself, unless isInternalProblem(); then a
/// serverInternal problem of the same status (500 if none) whose detail names only
/// `correlationId`, without subproblems.
acme::Problem clientProblem(const acme::Problem& problem, std::string_view correlationId);

/// A status outside 400..599 (a bug in whoever built the problem) is sent as 500, so
/// an error never reaches a client as a success.  An internal problem is logged (as
/// an error, with `correlationId`) and answered as clientProblem(); `correlationId`
/// "" makes a fresh random one (a request id is the natural choice when there is one).
Response problemResponse(const acme::Problem& problem, std::string_view correlationId = "");

}  // namespace legate::http
