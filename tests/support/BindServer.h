#pragma once
/// A real BIND 9 `named`, authoritative for one test zone and accepting RFC 2136
/// dynamic updates signed with a TSIG key, for tests of the dns-01 solver.
///
/// Each instance writes named.conf, the zone file and a fresh random hmac-sha256
/// secret into its own TempDir, starts `named -g -4` on a free loopback port (IPv4
/// only, no recursion, no control channel), polls until the server answers a SOA
/// query for the zone (never sleeps for readiness), and stops it by PID.
///
/// The zone holds SOA, NS `ns1.<zone>`, an A for ns1 and a wildcard A 127.0.0.1.
/// Use `LEGATE_REQUIRE_NAMED()` first in a test (or SetUp) to skip when bind9 is not
/// installed.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/TestSupport.h"

namespace legate::test {

class BindServer {
public:
    /// The path of `named` ("" when neither PATH nor /usr/sbin has it).
    static std::string program();
    /// True when `named` can be found.
    static bool available() { return !program().empty(); }

    /// Starts named for `zone` (no trailing dot); throws std::runtime_error when it does
    /// not answer within a few seconds (its log is dir()/named.log).
    explicit BindServer(std::string zone = "legate.test");
    /// The same, authoritative for `extraZones` too (each with the same records and
    /// the same TSIG key allowed to update it): e.g. the names' zone and a separate
    /// DCV validation zone, answered by one server so CNAME chains between them resolve.
    /// Recursion is then allowed from loopback: without it named answers a query at a
    /// CNAME into another of its zones with the CNAME alone, where a recursive resolver
    /// (and so a CA's validator) returns the whole chain.  Ask it for these zones' names
    /// only (others would be looked up from the root).
    BindServer(std::string zone, std::vector<std::string> extraZones);
    ~BindServer();
    BindServer(const BindServer&) = delete;
    BindServer& operator=(const BindServer&) = delete;

    int port() const { return port_; }
    /// The zone, lowercase, without a trailing dot ("legate.test").
    const std::string& zone() const { return zone_; }
    /// The TSIG key name, as named.conf declares it ("legate-test-key").
    const std::string& tsigName() const { return tsigName_; }
    /// The key's secret, base64 (32 random bytes).
    const std::string& tsigSecret() const { return tsigSecret_; }
    /// Always "hmac-sha256".
    std::string tsigAlgorithm() const { return "hmac-sha256"; }
    const std::filesystem::path& dir() const { return dir_.path(); }
    bool running() const;

    /// SIGTERM and wait for named to exit.
    void stop();

    /// The named process, e.g. for its CPU time in benchmarks.
    pid_t pid() const { return process_ ? process_->pid() : -1; }

private:
    void writeConfig() const;
    /// Starts on port_ and polls until the SOA answers; false if named exited or timed out.
    bool start();

    TempDir dir_;
    std::string zone_;
    std::vector<std::string> extraZones_;
    std::string tsigName_ = "legate-test-key";
    std::string tsigSecret_;
    int port_ = 0;
    std::unique_ptr<Process> process_;
};

/// True when a DNS server on 127.0.0.1:port answers a UDP SOA query for `zone` with
/// NOERROR and at least one answer record (a hand-made query: no DNS library needed).
bool dnsAnswersSoa(int port, const std::string& zone);

}  // namespace legate::test

/// Skips the current test when named (bind9) is not installed.
#define LEGATE_REQUIRE_NAMED()                                            \
    do {                                                                  \
        if (!::legate::test::BindServer::available()) {                   \
            GTEST_SKIP() << "named is not installed (apt install bind9)"; \
        }                                                                 \
    } while (false)
