#pragma once
/// Strict parsing of JSON text that arrives from outside (request bodies, JWS headers
/// and payloads, EAB objects).
///
/// nlohmann::json's own parser silently keeps the last of two members with the same
/// name, accepts a UTF-8 byte-order mark and has no size or nesting limit.  Two
/// parsers that disagree about which duplicate wins are a classic signature-bypass
/// vector, and unbounded input is a denial-of-service vector, so every JSON document
/// from outside goes through `parseStrictJson` instead.

#include <cstddef>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "broker/core/Result.h"

namespace legate::wire {

/// Default cap on the size of one JSON document from outside (64 KiB).
inline constexpr size_t kDefaultMaxJsonBytes = 64 * 1024;
/// Default cap on object/array nesting.  ACME objects nest a few levels; RFC 9115
/// CSR templates a few more.  32 leaves room and keeps recursion in
/// nlohmann::json's destructor and dump() bounded.
inline constexpr size_t kDefaultMaxJsonDepth = 32;

/// Limits applied by parseStrictJson.
struct JsonLimits {
    size_t maxBytes = kDefaultMaxJsonBytes;
    size_t maxDepth = kDefaultMaxJsonDepth;
};

/// Parses one JSON value (RFC 8259) from `text`, refusing
///  * text longer than `limits.maxBytes`,
///  * nesting deeper than `limits.maxDepth` (a scalar has depth 0, `[]` depth 1),
///  * an object with two members of the same name, at any depth,
///  * bytes that are not well-formed UTF-8 (also inside strings), and a byte-order mark,
///  * anything after the value other than whitespace, and comments.
/// Every failure is a `malformed` problem whose detail says what was wrong and where.
Result<nlohmann::json> parseStrictJson(std::string_view text, const JsonLimits& limits = {});

/// Checks that `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF).  Returns the offset of the first bad byte,
/// or nullopt when the text is valid.
std::optional<size_t> findInvalidUtf8(std::string_view text);

}  // namespace legate::wire
