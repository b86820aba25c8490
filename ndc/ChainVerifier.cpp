#include "ndc/ChainVerifier.h"

#include <algorithm>
#include <cctype>

#include "broker/core/Time.h"

namespace legate::ndc {
namespace {

using acme::ErrorType;
using acme::Problem;

std::vector<std::string> normalized(std::vector<std::string> names) {
    for (auto& n : names) {
        std::transform(n.begin(), n.end(), n.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (!n.empty() && n.back() == '.') {
            n.pop_back();
        }
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) {
        out += (out.empty() ? "" : ", ") + n;
    }
    return out.empty() ? "(none)" : out;
}

}  // namespace

Result<VerifiedChain> verifyForInstall(const std::string& pem, const crypto::PublicKey& key,
                                       const std::vector<std::string>& names,
                                       const std::vector<crypto::Certificate>& trustAnchors,
                                       TimePoint now) {
    auto chain = crypto::parsePemChain(pem);
    if (!chain.ok()) {
        return Problem::make(ErrorType::malformed,
                             "refused: not a certificate chain: " + chain.problem().detail);
    }
    const auto& leaf = chain->front();
    if (!(leaf.publicKey() == key)) {
        return Problem::make(
            ErrorType::malformed,
            "refused: the certificate is not for our key (serial " + leaf.serialHex() + ")");
    }
    if (!names.empty()) {
        const auto want = normalized(names);
        const auto got = normalized(leaf.dnsNames());
        if (want != got) {
            return Problem::make(
                ErrorType::malformed,
                "refused: the certificate names " + joined(got) + ", expected " + joined(want));
        }
    }
    if (now > leaf.notAfter()) {
        return Problem::make(ErrorType::malformed,
                             "refused: the certificate expired at " + toRfc3339(leaf.notAfter()));
    }
    if (now < leaf.notBefore()) {
        return Problem::make(ErrorType::malformed, "refused: the certificate is not valid before " +
                                                       toRfc3339(leaf.notBefore()));
    }
    if (!trustAnchors.empty()) {
        auto verified = crypto::verifyChain(*chain, trustAnchors, now);
        if (!verified.ok()) {
            return Problem::make(ErrorType::malformed, "refused: the chain does not verify: " +
                                                           verified.problem().detail);
        }
    }
    return VerifiedChain{std::move(chain).value()};
}

}  // namespace legate::ndc
