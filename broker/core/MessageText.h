#pragma once
/// Outside text inside our own messages: the one JSON-pointer escaping (config errors,
/// template issues, admin request errors all name a member by its RFC 6901 path) and
/// the one quoting of untrusted values, so a hostile template, CSR or request body
/// cannot forge lines in an operator's terminal or log through a problem detail.

#include <cstddef>
#include <string>
#include <string_view>

namespace legate {

/// RFC 6901 escaping of one reference token ("~" -> "~0", "/" -> "~1").
std::string jsonPointerToken(std::string_view member);

/// `text` for a message: control bytes (C0 and DEL) as \xHH, `"` and `\` escaped,
/// cut after `maxChars` bytes with "...".
std::string escapedForMessage(std::string_view text, size_t maxChars = 80);

/// escapedForMessage() in double quotes.
std::string quotedForMessage(std::string_view text, size_t maxChars = 80);

}  // namespace legate
