#pragma once
/// DNS names as the challenge solvers handle them: normalised to lowercase with
/// exactly one trailing dot, checked for a conservative syntax, and compared against
/// the zone the solver is allowed to touch.
///
/// Normalising before comparing is what makes the zone check sound:
/// "Foo.Example.TEST" and "foo.example.test." are the same name, and
/// "evilexample.test." is NOT inside "example.test." (the check is label-wise).

#include <string>
#include <string_view>

#include "broker/core/Result.h"

namespace legate::ido::solvers {

/// `name` lowercased, with one trailing dot ("Foo.Example.test" -> "foo.example.test.").
/// A Problem (malformed) when it is empty, the root, has an empty label ("a..b"), a
/// label over 63 octets, a total over 253 octets, or a character other than
/// letters, digits, '-' and '_' (plus '*' as a whole leftmost label).
Result<std::string> normaliseDnsName(std::string_view name);

/// True when normalised `name` equals normalised `zone` or ends with "." + zone.
bool isInZone(std::string_view name, std::string_view zone);

/// "_acme-challenge.<identifier>." for a dns-01 challenge (RFC 8555 §8.4); a wildcard
/// identifier "*.example.test" uses its base name ("_acme-challenge.example.test.").
Result<std::string> acmeChallengeName(std::string_view identifier);

}  // namespace legate::ido::solvers
