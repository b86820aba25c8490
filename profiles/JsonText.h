#pragma once
/// Parsing JSON text that comes from outside (template files, admin API bodies) with
/// the strictness a security gate needs: duplicate object members are refused (two
/// parsers could otherwise read two different templates from one document), nesting
/// and size are bounded, UTF-8 must be well-formed.  A thin wrapper over the project's
/// strict parser (broker/wire/StrictJson.h) so every template path uses the same rules.

#include <string_view>

#include <nlohmann/json.hpp>

#include "broker/core/Result.h"

namespace legate::profiles {

/// One JSON text (RFC 8259): `malformed` problem on syntax errors, duplicate members,
/// excessive nesting or size, bad UTF-8, or trailing content.
Result<nlohmann::json> parseJsonStrict(std::string_view text);

}  // namespace legate::profiles
