#pragma once
/// A local certificate authority and server certificate for HTTPS in development,
/// demos and tests: nothing is fetched, clients trust `ca.pem`.
///
///   auto paths = DevelopmentCertificate::ensure("var/tls", {"localhost", "127.0.0.1"});
///   options.tls = TlsFiles{paths->certificateChain, paths->privateKey};
///   // clients: HttpClientOptions{.caBundle = paths->caCertificate}
///
/// Files under the directory (made 0700 if created here):
///   ca.pem          the development CA certificate (give it to clients)
///   ca-key.pem      its P-256 private key, mode 0600
///   server.pem      the server certificate followed by ca.pem (the chain to serve)
///   server-key.pem  the server's P-256 private key, mode 0600
/// Existing files are reused: the CA while it is valid and matches its key, the server
/// certificate while it is valid for 30 more days, was issued by that CA, and names
/// every requested host.  Otherwise the missing part is made again (a new CA means a
/// new ca.pem for clients).  Files are written to a temporary name and renamed, so a
/// reader never sees half a file.  Not for production: the CA key sits next to the
/// certificates.

#include <filesystem>
#include <string>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"

namespace legate::http {

struct DevelopmentCertificatePaths {
    std::filesystem::path caCertificate;
    std::filesystem::path caKey;
    std::filesystem::path certificateChain;
    std::filesystem::path privateKey;
};

class DevelopmentCertificate {
public:
    /// `hosts` are DNS names and IP literals ("localhost", "127.0.0.1", "::1"); at least
    /// one.  File-system failures are serverInternal problems naming the path.
    static Result<DevelopmentCertificatePaths> ensure(const std::filesystem::path& directory,
                                                      const std::vector<std::string>& hosts,
                                                      const Clock& clock = SystemClock::instance());
};

}  // namespace legate::http
