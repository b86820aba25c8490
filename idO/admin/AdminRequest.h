#pragma once
/// How the admin API reads a request body: `Content-Type: application/json` (else 415),
/// strict JSON (duplicate members refused, wire::parseStrictJson), a JSON object, and
/// only the members an endpoint knows (an unknown one is named in a 400 `malformed`).
/// A typo such as "cname_map" is thereby refused instead of silently ignored.

#include <initializer_list>
#include <string_view>

#include <nlohmann/json.hpp>

#include "broker/core/Result.h"
#include "broker/http/Request.h"

namespace legate::ido {

/// The request body as a JSON object, or the problem (415 / 413 / 400 `malformed`).
Result<nlohmann::json> jsonObjectBody(http::Request& request);

/// ok when every member of `object` is one of `known`; otherwise 400 `malformed`
/// naming the first unknown member and where it is (`where`, e.g. "the request" or
/// "star").
Status onlyMembers(const nlohmann::json& object, std::initializer_list<std::string_view> known,
                   std::string_view where);

/// A 400 `malformed` problem.
acme::Problem badRequest(std::string detail);
/// A 404 `malformed` problem ("unknown NDC ...").
acme::Problem notFound(std::string detail);

}  // namespace legate::ido
