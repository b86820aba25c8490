#pragma once
/// Syntax checks for the values a template or a CSR puts into subjectAltName: DNS names,
/// email addresses and URIs.  Deliberately strict (ASCII only, no quoting, no trailing
/// dot): a name that is odd to parse is a name a CA or a TLS client may read differently.

#include <string>
#include <string_view>

namespace legate::profiles {

/// An ASCII host name: 1..253 characters, LDH labels of 1..63 characters that neither
/// start nor end with '-', at least two labels, no trailing dot.  IDNs must be A-labels.
/// With `allowWildcard`, a leftmost label of exactly "*" is also accepted ("*.example.com").
bool isHostname(std::string_view name, bool allowWildcard);

/// local@domain: a dot-atom local part (RFC 5322, no quoting) and an isHostname domain;
/// at most 254 characters.
bool isEmailAddress(std::string_view address);

/// An absolute URI (RFC 3986): scheme ":" then a non-empty rest of printable ASCII with no
/// spaces, quotes, angle brackets or backslashes; at most 2048 characters.
bool isUri(std::string_view uri);

/// ASCII lower-casing (DNS names compare case-insensitively, RFC 4343).
std::string asciiLower(std::string_view text);

/// True when `name` is a proper subdomain of `suffix` ("a.cdn.example" under "cdn.example";
/// "cdn.example" itself is not), compared case-insensitively.
bool isUnderSuffix(std::string_view name, std::string_view suffix);

}  // namespace legate::profiles
