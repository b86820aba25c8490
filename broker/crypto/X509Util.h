#pragma once
/// Small helpers shared by the CSR, certificate and certificate-builder code.
/// Errors are `malformed` problems: these build objects from caller-supplied input.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"
#include "broker/crypto/Csr.h"
#include "broker/crypto/Key.h"
#include "broker/crypto/OpenSsl.h"

namespace legate::crypto {

/// A `malformed` problem with `detail`.
acme::Problem malformed(std::string detail);
/// A `malformed` problem naming the failed OpenSSL call and OpenSSL's error queue.
acme::Problem malformedCall(std::string_view call);

/// An extension with a dotted OID and an opaque DER value, unchecked.
Result<X509ExtensionPtr> rawExtension(std::string_view oid, bool critical, const Bytes& value);

/// subjectAltName from text: DNS names, rfc822 names, URIs, IP addresses (v4 or v6 text).
Result<X509ExtensionPtr> subjectAltNameExtension(const std::vector<std::string>& dnsNames,
                                                 const std::vector<std::string>& emails,
                                                 const std::vector<std::string>& uris,
                                                 const std::vector<std::string>& ipAddresses,
                                                 bool critical);
/// keyUsage from names in keyUsageNames().
Result<X509ExtensionPtr> keyUsageExtension(const std::vector<std::string>& usages, bool critical);
/// extendedKeyUsage (non-critical) from RFC 9115 names or dotted OIDs.
Result<X509ExtensionPtr> extendedKeyUsageExtension(const std::vector<std::string>& purposes);

/// The digest to sign with for `key`: nullptr for Ed25519 (which has none), `name` when
/// given ("SHA256", ...), else the key's natural one (P-384: SHA384, P-521: SHA512,
/// otherwise SHA256).
Result<const EVP_MD*> digestFor(const PublicKey& key, std::string_view name);

/// ASN1_TIME for `t` (UTCTime up to 2049, GeneralizedTime after, per RFC 5280).
Asn1TimePtr toAsn1Time(TimePoint t);
/// nullopt when `t` is not a valid time.
std::optional<TimePoint> fromAsn1Time(const ASN1_TIME* t);

/// Decodes `der` completely with `d2i`; nullptr when it does not decode or leaves bytes over.
template <class Ptr, class D2i>
Ptr decodeExact(const Bytes& der, D2i d2i) {
    const unsigned char* p = der.data();
    Ptr out(d2i(nullptr, &p, static_cast<long>(der.size())));
    if (out && p != der.data() + der.size()) {
        out.reset();
    }
    return out;
}

/// ASCII lower case (DNS names compare case-insensitively, RFC 4343).
std::string lowerAscii(std::string s);
/// The bytes of an ASN1_STRING as text, embedded NULs included.
std::string stringOf(const ASN1_STRING* s);

/// One GeneralName as Legate reports it (IP addresses in text form, other kinds described).
GeneralName toGeneralName(const GENERAL_NAME* gn);
/// Extension value decoders.  Problems of `errorType` when the value does not decode
/// completely.  keyUsage bits RFC 5280 does not name come back as "bit<N>", so nothing
/// requested is hidden.
Result<std::vector<GeneralName>> decodeGeneralNames(const Bytes& der, acme::ErrorType errorType);
Result<std::vector<std::string>> decodeKeyUsage(const Bytes& der, acme::ErrorType errorType);
Result<std::vector<std::string>> decodeExtendedKeyUsage(const Bytes& der,
                                                        acme::ErrorType errorType);

/// The contents octets of an ASN1_STRING (empty for nullptr).
Bytes bytesOf(const ASN1_STRING* s);

}  // namespace legate::crypto
