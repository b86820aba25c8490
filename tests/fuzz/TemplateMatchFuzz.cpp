// libFuzzer target: arbitrary bytes as a DER CSR against a fixed RFC 9115 template
// (every value kind, both key families, keyUsage and extendedKeyUsage).
// Invariants: never crash; a passing report has no problem, a failing one has a 403
// badCSR/rejectedIdentifier problem.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "profiles/CsrMatcher.h"
#include "profiles/TemplateParser.h"

namespace {

const legate::profiles::CsrTemplate& fixedTemplate() {
    static const legate::profiles::CsrTemplate kTemplate = [] {
        auto t = legate::profiles::TemplateParser::parseText(R"({
          "keyTypes": [
            {"PublicKeyType": "id-ecPublicKey", "namedCurve": "secp256r1",
             "SignatureType": "ecdsa-with-SHA256"},
            {"PublicKeyType": "rsaEncryption", "PublicKeyLength": 2048,
             "SignatureType": "sha256WithRSAandMGF1"}
          ],
          "subject": {"country": "CA", "stateOrProvince": "**", "locality": "*"},
          "extensions": {
            "subjectAltName": {"DNS": ["abc.ido.example", "**", "*"],
                               "Email": ["ops@ido.example"]},
            "keyUsage": ["digitalSignature"],
            "extendedKeyUsage": ["serverAuth", "clientAuth"]
          }
        })");
        if (!t.ok()) {
            std::abort();
        }
        return std::move(*t);
    }();
    return kTemplate;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace legate::profiles;
    MatchContext context;
    context.allowedSuffixes = {"cdn.ido.example"};
    context.orderIdentifiers = std::vector<legate::acme::Identifier>{{"dns", "abc.ido.example"}};
    const MatchReport report =
        CsrMatcher::matchDer(fixedTemplate(), legate::crypto::Bytes(data, data + size), context);
    const auto problem = report.toProblem();
    if (report.ok() == problem.has_value()) {
        std::abort();
    }
    if (problem && (problem->status != 403 ||
                    (problem->type != legate::acme::ErrorType::badCSR &&
                     problem->type != legate::acme::ErrorType::rejectedIdentifier))) {
        std::abort();
    }
    return 0;
}
