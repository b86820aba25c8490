#pragma once
/// The one rule for dotted object identifiers, used wherever one comes from outside
/// (CSR templates, CSR requests, extension OIDs): profiles and crypto both call this.

#include <cstddef>
#include <string_view>

namespace legate::crypto {

/// Longest dotted OID accepted: far beyond any registered OID, short enough that no
/// caller has to think about cost.
inline constexpr size_t kMaxDottedOidLength = 128;

/// True for an OID in X.660 dotted form that DER can encode (and RFC 9115's CDDL,
/// erratum 7336, allows): at least two arcs of decimal digits separated by single
/// dots, no leading zeros ("0" itself is fine), first arc 0, 1 or 2, second arc below
/// 40 when the first is 0 or 1, at most kMaxDottedOidLength characters.
bool isDottedOid(std::string_view text);

}  // namespace legate::crypto
