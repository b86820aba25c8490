// libFuzzer target for the CSR parser: the IdO's finalize endpoint hands it whatever an
// NDC sends.  Parses the input as DER and as PEM text, touches every accessor, and
// verifies the self-signature; the same bytes also go through the certificate parser,
// which shares the extension decoders.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "broker/crypto/Certificate.h"
#include "broker/crypto/Csr.h"

namespace {

using legate::crypto::Bytes;
using legate::crypto::Csr;

size_t touch(const Csr& csr) {
    size_t n = csr.der().size() + csr.toPem().size();
    n += csr.publicKey().toDer().size() + static_cast<size_t>(csr.publicKey().bits() > 0);
    n += csr.publicKey().curveName().size();
    const auto& alg = csr.signatureAlgorithm();
    n += alg.oid.size() + alg.name.size();
    if (alg.pss) {
        n += alg.pss->hash.size() + alg.pss->mgf1Hash.size() +
             static_cast<size_t>(alg.pss->saltLength + alg.pss->trailerField);
    }
    for (const auto& rdn : csr.subject()) {
        for (const auto& a : rdn.attributes) {
            n += a.oid.size() + a.shortName.size() + a.value.size() +
                 static_cast<size_t>(a.asn1Type);
        }
    }
    for (const auto& oid : csr.otherAttributes()) {
        n += oid.size();
    }
    for (const auto& e : csr.extensions()) {
        n += e.oid.size() + e.value.size() + (e.critical ? 1 : 0);
    }
    for (const auto& san : csr.subjectAltNames()) {
        n += san.value.size() + static_cast<size_t>(san.kind);
    }
    if (csr.keyUsage()) {
        n += csr.keyUsage()->size();
    }
    if (csr.extendedKeyUsage()) {
        n += csr.extendedKeyUsage()->size();
    }
    n += csr.dnsNames().size();
    n += csr.verifySignature().ok() ? 1 : 0;
    // Whatever parsed must parse again to the same thing.
    auto again = Csr::fromDer(csr.der());
    if (!again.ok() || again->der() != csr.der()) {
        __builtin_trap();
    }
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const Bytes der(data, data + size);
    volatile size_t sink = 0;
    if (auto csr = Csr::fromDer(der); csr.ok()) {
        sink = sink + touch(*csr);
    }
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto csr = Csr::fromPem(text); csr.ok()) {
        sink = sink + touch(*csr);
    }
    if (auto cert = legate::crypto::Certificate::fromDer(der); cert.ok()) {
        sink = sink + cert->serialHex().size() + cert->subject().size() + cert->dnsNames().size() +
               cert->commonNames().size() + cert->extensions().size();
    }
    (void)sink;
    return 0;
}
