#include "broker/http/DevelopmentCertificate.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "broker/crypto/Certificate.h"
#include "broker/crypto/CertificateBuilder.h"
#include "broker/crypto/Key.h"

namespace legate::http {
namespace {

using std::chrono::days;
namespace fs = std::filesystem;

constexpr days kCaLifetime{3650};
constexpr days kLeafLifetime{365};
constexpr days kLeafRenewBefore{30};

acme::Problem fileProblem(const std::string& what, const fs::path& path) {
    return acme::Problem::make(acme::ErrorType::serverInternal,
                               what + " " + path.string() + ": " + std::strerror(errno));
}

/// The 4 or 16 address bytes of an IP literal; empty for anything else.
std::string ipBytes(const std::string& text) {
    unsigned char buf[16];
    if (inet_pton(AF_INET, text.c_str(), buf) == 1) {
        return std::string(reinterpret_cast<char*>(buf), 4);
    }
    if (inet_pton(AF_INET6, text.c_str(), buf) == 1) {
        return std::string(reinterpret_cast<char*>(buf), 16);
    }
    return {};
}

std::string readAll(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// Writes `contents` to `path` via a temporary file and rename, with `mode`.
Status writeAtomically(const fs::path& path, const std::string& contents, mode_t mode) {
    const fs::path tmp = path.string() + ".tmp";
    ::unlink(tmp.c_str());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        return fileProblem("cannot create", tmp);
    }
    size_t done = 0;
    while (done < contents.size()) {
        const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            auto problem = fileProblem("cannot write", tmp);
            ::close(fd);
            ::unlink(tmp.c_str());
            return problem;
        }
        done += static_cast<size_t>(n);
    }
    // The umask may have narrowed `mode`; a key must be exactly 0600, never wider.
    if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
        auto problem = fileProblem("cannot finish", tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
        return problem;
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        auto problem = fileProblem("cannot rename onto", path);
        ::unlink(tmp.c_str());
        return problem;
    }
    return okStatus();
}

struct Ca {
    crypto::Certificate certificate;
    crypto::PrivateKey key;
};

/// The CA on disk, when both files parse, match, and the CA stays valid for a while.
std::optional<Ca> loadCa(const DevelopmentCertificatePaths& paths, TimePoint now) {
    auto cert = crypto::Certificate::fromPem(readAll(paths.caCertificate));
    auto key = crypto::PrivateKey::fromPem(readAll(paths.caKey));
    if (!cert.ok() || !key.ok() || !cert->isCa() || !(cert->publicKey() == key->publicKey()) ||
        !cert->validAt(now + kLeafLifetime)) {
        return std::nullopt;
    }
    return Ca{std::move(cert).value(), std::move(key).value()};
}

Result<Ca> makeCa(const DevelopmentCertificatePaths& paths, TimePoint now) {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::P256);
    LEGATE_TRY(key);
    auto cert = crypto::CertificateBuilder()
                    .commonName("Legate Development CA")
                    .organization("Legate development")
                    .validity(now - std::chrono::hours(1), now + kCaLifetime)
                    .certificateAuthority(0)
                    .selfSigned(*key);
    LEGATE_TRY(cert);
    LEGATE_TRY(writeAtomically(paths.caKey, key->toPem(), 0600));
    LEGATE_TRY(writeAtomically(paths.caCertificate, cert->toPem(), 0644));
    return Ca{std::move(cert).value(), std::move(key).value()};
}

/// True when the server files on disk can be kept.
bool leafUsable(const DevelopmentCertificatePaths& paths, const Ca& ca,
                const std::vector<std::string>& hosts, TimePoint now) {
    auto chain = crypto::parsePemCertificates(readAll(paths.certificateChain));
    auto key = crypto::PrivateKey::fromPem(readAll(paths.privateKey));
    if (!chain.ok() || !key.ok() || chain->empty()) {
        return false;
    }
    const crypto::Certificate& leaf = chain->front();
    if (!(leaf.publicKey() == key->publicKey()) || !leaf.validAt(now + kLeafRenewBefore) ||
        !crypto::verifyChain({leaf}, {ca.certificate}, now).ok()) {
        return false;
    }
    for (const auto& host : hosts) {
        const std::string ip = ipBytes(host);
        const bool named = std::any_of(
            leaf.subjectAltNames().begin(), leaf.subjectAltNames().end(), [&](const auto& san) {
                if (!ip.empty()) {
                    return san.kind == crypto::GeneralName::Kind::Ip && ipBytes(san.value) == ip;
                }
                return san.kind == crypto::GeneralName::Kind::Dns && san.value == host;
            });
        if (!named) {
            return false;
        }
    }
    return true;
}

Status makeLeaf(const DevelopmentCertificatePaths& paths, const Ca& ca,
                const std::vector<std::string>& hosts, TimePoint now) {
    std::vector<std::string> dns;
    std::vector<std::string> ips;
    for (const auto& host : hosts) {
        (ipBytes(host).empty() ? dns : ips).push_back(host);
    }
    auto key = crypto::PrivateKey::generate(crypto::KeyType::P256);
    LEGATE_TRY(key);
    auto builder = crypto::CertificateBuilder();
    builder.dnsNames(dns).ipAddresses(ips).serverAuth().validity(now - std::chrono::hours(1),
                                                                 now + kLeafLifetime);
    if (!dns.empty()) {
        builder.commonName(dns.front());
    }
    auto cert = builder.issuedBy(key->publicKey(), ca.certificate, ca.key);
    LEGATE_TRY(cert);
    // Key first: a chain never sits next to a key it does not belong to for longer
    // than the two renames.
    LEGATE_TRY(writeAtomically(paths.privateKey, key->toPem(), 0600));
    LEGATE_TRY(
        writeAtomically(paths.certificateChain, cert->toPem() + ca.certificate.toPem(), 0644));
    return okStatus();
}

}  // namespace

Result<DevelopmentCertificatePaths> DevelopmentCertificate::ensure(
    const fs::path& directory, const std::vector<std::string>& hosts, const Clock& clock) {
    if (hosts.empty()) {
        return acme::Problem::make(acme::ErrorType::malformed,
                                   "a development certificate needs at least one host name");
    }
    std::error_code ec;
    if (!fs::exists(directory, ec)) {
        fs::create_directories(directory, ec);
        if (ec) {
            return acme::Problem::make(acme::ErrorType::serverInternal,
                                       "cannot create " + directory.string() + ": " + ec.message());
        }
        fs::permissions(directory, fs::perms::owner_all, ec);
    }
    DevelopmentCertificatePaths paths{directory / "ca.pem", directory / "ca-key.pem",
                                      directory / "server.pem", directory / "server-key.pem"};
    const TimePoint now = clock.now();
    std::optional<Ca> ca = loadCa(paths, now);
    if (!ca) {
        auto made = makeCa(paths, now);
        LEGATE_TRY(made);
        ca.emplace(std::move(made).value());
    }
    if (!leafUsable(paths, *ca, hosts, now)) {
        LEGATE_TRY(makeLeaf(paths, *ca, hosts, now));
    }
    return paths;
}

}  // namespace legate::http
