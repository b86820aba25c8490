#pragma once
/// A real Pebble (Let's Encrypt's test CA, Debian package `pebble`) for tests: its own
/// free ports, its own TLS certificate for the HTTPS listeners, stopped by PID when the
/// fixture goes away.
///
/// Pebble ships no certificate for its own listener, so the fixture makes a small CA
/// and a localhost / 127.0.0.1 leaf in a temporary directory (broker/http
/// DevelopmentCertificate, built on crypto::CertificateBuilder); clients trust
/// `caFile()`.  Readiness is polled (GET of the directory over HTTPS until it answers),
/// never slept for.
///
/// Pebble makes a NEW issuing root on every start: fetch it with issuingRoot() after
/// starting; certificates from another instance do not verify against it.
///
/// Use `LEGATE_REQUIRE_PEBBLE()` first in a test (or SetUp) to skip when pebble is not
/// installed.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "tests/support/TestSupport.h"

namespace legate::test {

class PebbleServer {
public:
    struct Options {
        /// The ports Pebble's validator dials for http-01 and tls-alpn-01.
        int httpPort = 5002;
        int tlsPort = 5001;
        /// newAccount must carry an externalAccountBinding with one of `eabKeys`
        /// (key id -> base64url HMAC key).
        bool externalAccountBindingRequired = false;
        std::map<std::string, std::string> eabKeys;
        /// Lifetime of issued certificates in seconds (Pebble's default: 5 years).
        std::optional<int64_t> certificateValidityPeriod;
        /// PEBBLE_VA_NOSLEEP=1: no random 0-15 s delay before each validation.
        bool vaNoSleep = true;
        /// PEBBLE_VA_ALWAYS_VALID=1: every challenge succeeds without being checked.
        bool vaAlwaysValid = false;
        /// PEBBLE_WFE_NONCEREJECT: percent of good nonces refused with badNonce.
        /// 0 here (Pebble's own default is 5) so tests are deterministic unless they ask.
        int nonceRejectPercent = 0;
        /// PEBBLE_AUTHZREUSE: percent of valid authorizations reused (Pebble: 50).
        std::optional<int> authzReusePercent;
        /// `-dnsserver HOST:PORT`: the resolver Pebble's validator uses.
        std::string dnsServer;
        /// More environment for the pebble process.
        std::map<std::string, std::string> extraEnv;
    };

    /// True when `pebble` is on PATH.
    static bool available();

    /// Starts Pebble; throws std::runtime_error when its directory does not answer
    /// within a few seconds (the log is in dir()/pebble.log).
    PebbleServer();
    explicit PebbleServer(Options options);
    ~PebbleServer();
    PebbleServer(const PebbleServer&) = delete;
    PebbleServer& operator=(const PebbleServer&) = delete;

    /// "https://127.0.0.1:<port>/dir".
    std::string directoryUrl() const;
    /// "https://127.0.0.1:<management port>".
    std::string managementUrl() const;
    /// PEM of the CA that signed Pebble's listener certificate (give to HTTP clients).
    std::filesystem::path caFile() const { return caFile_; }
    int port() const { return port_; }
    int managementPort() const { return managementPort_; }
    const std::filesystem::path& dir() const { return dir_.path(); }
    const Options& options() const { return options_; }
    bool running() const;

    /// PEM of the root that issues this instance's certificates (/roots/0 of the
    /// management listener); throws std::runtime_error when it cannot be fetched.
    std::string issuingRoot() const;
    /// PEM of the intermediate below it (/intermediates/0).
    std::string issuingIntermediate() const;

    /// SIGTERM and wait.
    void stop();
    /// The server process (-1 when stopped), e.g. for its CPU time in benchmarks.
    pid_t pid() const { return process_ ? process_->pid() : -1; }

private:
    bool start();
    std::string fetchManagement(const std::string& path) const;

    Options options_;
    TempDir dir_;
    std::filesystem::path caFile_;
    int port_ = 0;
    int managementPort_ = 0;
    std::unique_ptr<Process> process_;
};

}  // namespace legate::test

/// Skips the current test when pebble is not installed.
#define LEGATE_REQUIRE_PEBBLE()                                             \
    do {                                                                    \
        if (!::legate::test::PebbleServer::available()) {                   \
            GTEST_SKIP() << "pebble is not installed (apt install pebble)"; \
        }                                                                   \
    } while (false)
