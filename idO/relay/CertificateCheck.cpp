#include "idO/relay/CertificateCheck.h"

#include <algorithm>
#include <cctype>

#include "broker/core/Time.h"

namespace legate::ido::relay {
namespace {

acme::Problem refused(const std::string& why) {
    return acme::Problem::make(acme::ErrorType::serverInternal,
                               "the certificate from the CA was refused: " + why, 502);
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) {
        out += (out.empty() ? "" : ", ") + n;
    }
    return out;
}

}  // namespace

Result<std::vector<crypto::Certificate>> checkIssued(const std::string& pem,
                                                     const IssuedExpectations& expected,
                                                     const std::vector<crypto::Certificate>& roots,
                                                     TimePoint now) {
    auto chain = crypto::parsePemChain(pem);
    if (!chain.ok()) {
        return refused(chain.problem().detail);
    }
    const auto& leaf = chain->front();
    if (expected.csr && !(leaf.publicKey() == expected.csr->publicKey())) {
        return refused("its public key is not the CSR's");
    }
    std::vector<std::string> wanted;
    for (const auto& id : expected.identifiers) {
        wanted.push_back(lower(id.value));
    }
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    if (leaf.dnsNames() != wanted) {
        return refused("it names [" + joined(leaf.dnsNames()) + "], the order [" + joined(wanted) +
                       "]");
    }
    const auto seconds = [](TimePoint t) {
        return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    };
    if (expected.notBefore && seconds(leaf.notBefore()) != seconds(*expected.notBefore)) {
        return refused("notBefore " + toRfc3339(leaf.notBefore()) + ", asked " +
                       toRfc3339(*expected.notBefore));
    }
    if (expected.notAfter && seconds(leaf.notAfter()) != seconds(*expected.notAfter)) {
        return refused("notAfter " + toRfc3339(leaf.notAfter()) + ", asked " +
                       toRfc3339(*expected.notAfter));
    }
    if (leaf.notAfter() <= now) {
        return refused("it expired at " + toRfc3339(leaf.notAfter()));
    }
    const auto at = std::max(now, leaf.notBefore());
    if (auto verified = crypto::verifyChain(*chain, roots, at); !verified.ok()) {
        return refused("it does not chain to the configured roots: " + verified.problem().detail);
    }
    return chain;
}

}  // namespace legate::ido::relay
