#pragma once
/// A real `ido serve` process for end-to-end tests: writes its config into a temp
/// directory (development TLS certificate, one tenant, the given Redis), starts the
/// binary, polls until the ACME directory answers, and stops it by PID (SIGTERM, or
/// SIGKILL for crash tests).  `restart()` keeps the ports and the directory, so a
/// client sees exactly what a production restart looks like.

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "idO/cli/AdminClient.h"
#include "tests/support/TestSupport.h"

namespace legate::test {

class IdoProcess {
public:
    struct Options {
        std::string redisUrl;
        std::string tenant = "example";
        int minLifetime = 60;
        int maxDuration = 30 * 86400;
        /// Merged into the generated config (e.g. {"limits": {...}}).
        nlohmann::json extra = nlohmann::json::object();
        /// Merged into the tenant's section (e.g. {"implicit-delegation": true}).
        nlohmann::json tenantExtra = nlohmann::json::object();
        /// The tenant's `upstream` section (null: no upstream, orders stay processing).
        nlohmann::json upstream = nullptr;
        /// Environment for the process (e.g. the relay's crash hook).
        std::map<std::string, std::string> env = {};
    };

    explicit IdoProcess(Options options);
    ~IdoProcess();

    /// Starts and waits until the directory answers; throws with the log on failure.
    void start();
    /// Environment of the next start() (replaces Options::env).
    void setEnv(std::map<std::string, std::string> env) { options_.env = std::move(env); }
    /// True while the process runs.
    bool running() const { return process_ && process_->running(); }
    /// The process id while it runs (-1 before start()): benchmarks read its CPU time.
    pid_t pid() const { return process_ ? process_->pid() : -1; }
    /// Waits up to `timeout` for the process to end by itself; true when it did.
    bool waitForExit(std::chrono::milliseconds timeout);
    /// SIGTERM and wait for a clean exit; returns the exit code.
    int stop();
    /// SIGKILL: a crash.
    void kill();
    void restart() {
        stop();
        start();
    }

    const std::string& baseUrl() const { return baseUrl_; }
    std::string directoryUrl() const {
        return baseUrl_ + "/acme/" + options_.tenant + "/directory";
    }
    std::string adminUrl() const { return "http://127.0.0.1:" + std::to_string(adminPort_); }
    const std::string& adminToken() const { return adminToken_; }
    /// `method` on the admin API (`path` from "/admin/v1"), through the same client as
    /// `ido admin` (idO/cli/AdminClient.h); any status is an answer, an unreachable
    /// listener throws std::runtime_error.
    ido::AdminAnswer admin(const std::string& method, const std::string& path,
                           const nlohmann::json& body = nullptr) const;
    /// The development CA that signs the ACME listener's certificate.
    std::string caFile() const { return (dir_ / "tls" / "ca.pem").string(); }
    std::string configFile() const { return (dir_ / "ido.json").string(); }
    std::string log() const { return readFile(dir_ / "ido.log"); }
    const std::filesystem::path& dir() const { return dir_.path(); }

private:
    Options options_;
    TempDir dir_;
    int acmePort_;
    int adminPort_;
    std::string baseUrl_;
    std::string adminToken_ = "integration-test-admin-token";
    std::unique_ptr<Process> process_;
};

/// Path of the built `ido` binary (set by CMake).
std::string idoBinary();

}  // namespace legate::test
