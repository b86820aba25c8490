#pragma once
/// Reading the problem document (RFC 7807, RFC 8555 §6.7) of an ACME server's error
/// answer.

#include <cstddef>
#include <optional>

#include "broker/core/Problem.h"
#include "broker/http/ClientResponse.h"

namespace legate::acme {

/// A server's JSON answers are small; certificate chains come as PEM, not JSON.
inline constexpr size_t kMaxAcmeJsonBytes = 1024 * 1024;

/// The problem `response` carries, with the answer's HTTP status; nullopt when the body
/// is not a JSON problem document (empty, HTML from a proxy, no `type`).  The body is
/// parsed strictly (wire::parseStrictJson), whatever its Content-Type says, because
/// servers differ in whether they send application/problem+json.
std::optional<Problem> problemDocument(const http::ClientResponse& response,
                                       size_t maxBytes = kMaxAcmeJsonBytes);

}  // namespace legate::acme
