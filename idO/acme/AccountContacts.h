#pragma once
/// The `contact` member of newAccount and account updates (RFC 8555 §7.3): an array of
/// `mailto:` URLs, each exactly one addr-spec without hfields.
///
/// Only `mailto` is supported (any other scheme: `unsupportedContact`); a mailto URL
/// with `?` hfields, several addresses, percent-escapes or a malformed address is
/// `invalidContact`; anything that is not an array of strings, or more than
/// kMaxContacts entries, is `malformed`.  All are 400.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/Result.h"

namespace legate::ido {

/// An NDC account needs an operations address or two, not a mailing list.
inline constexpr size_t kMaxContacts = 4;

/// The validated contact URLs, in the order given.
Result<std::vector<std::string>> parseContacts(const nlohmann::json& value);

}  // namespace legate::ido
