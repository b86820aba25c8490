#pragma once
/// A strict DER check over raw input bytes (X.690 §10), independent of any parser.
///
/// Why it exists: OpenSSL keeps the received encoding of a CSR's signed part
/// (CertificationRequestInfo) and re-encodes exactly those bytes, so "decode, re-encode,
/// compare" cannot see BER inside the signed part (a non-minimal length, say).  A CA may
/// refuse such a request, or two parsers may read it differently; a gate that must
/// decide what the CA certifies refuses it before anything else is believed.

#include <string>

#include "broker/core/Result.h"
#include "broker/crypto/OpenSsl.h"

namespace legate::crypto {

/// Ok when `der` is exactly one DER TLV, walked recursively through every constructed
/// element: definite lengths in the minimal form, low tag numbers in one octet and high
/// ones in minimal base-128, no constructed encoding of BIT STRING / OCTET STRING /
/// character strings, BOOLEAN as 0x00 or 0xFF, INTEGER in the minimal octets, nothing
/// after the outer element.  Otherwise a problem of `type` whose detail names the
/// offset and the fault.  SET OF ordering is not checked.
Status checkStrictDer(const Bytes& der, acme::ErrorType type, std::string_view what);

}  // namespace legate::crypto
