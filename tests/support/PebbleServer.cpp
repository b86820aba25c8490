#include "tests/support/PebbleServer.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "broker/http/DevelopmentCertificate.h"
#include "broker/http/HttpClient.h"

namespace legate::test {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(15);
constexpr int kStartAttempts = 3;

http::HttpClient makeClient(const std::filesystem::path& caFile) {
    http::HttpClientOptions options;
    options.caBundle = caFile;
    options.connectTimeout = std::chrono::seconds(2);
    options.totalTimeout = std::chrono::seconds(5);
    options.maxAttempts = 1;
    return http::HttpClient(options);
}

}  // namespace

bool PebbleServer::available() {
    return haveProgram("pebble");
}

PebbleServer::PebbleServer() : PebbleServer(Options{}) {}

PebbleServer::PebbleServer(Options options) : options_(std::move(options)) {
    auto paths = http::DevelopmentCertificate::ensure(dir() / "tls", {"localhost", "127.0.0.1"});
    if (!paths) {
        throw std::runtime_error("pebble TLS certificate: " + paths.problem().detail);
    }
    caFile_ = paths->caCertificate;

    nlohmann::json config = {
        {"certificate", paths->certificateChain.string()},
        {"privateKey", paths->privateKey.string()},
        {"httpPort", options_.httpPort},
        {"tlsPort", options_.tlsPort},
        {"ocspResponderURL", ""},
        {"externalAccountBindingRequired", options_.externalAccountBindingRequired},
    };
    if (!options_.eabKeys.empty()) {
        config["externalAccountMACKeys"] = options_.eabKeys;
    }
    if (options_.certificateValidityPeriod) {
        config["certificateValidityPeriod"] = *options_.certificateValidityPeriod;
    }
    // freePort() can race with another process grabbing the port: try a few.
    for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
        port_ = freePort();
        managementPort_ = freePort();
        config["listenAddress"] = "127.0.0.1:" + std::to_string(port_);
        config["managementListenAddress"] = "127.0.0.1:" + std::to_string(managementPort_);
        writeFile(dir() / "pebble-config.json", nlohmann::json{{"pebble", config}}.dump(2));
        if (start()) {
            return;
        }
    }
    throw std::runtime_error("pebble did not start; see " + (dir() / "pebble.log").string());
}

PebbleServer::~PebbleServer() {
    stop();
}

std::string PebbleServer::directoryUrl() const {
    return "https://127.0.0.1:" + std::to_string(port_) + "/dir";
}

std::string PebbleServer::managementUrl() const {
    return "https://127.0.0.1:" + std::to_string(managementPort_);
}

bool PebbleServer::running() const {
    return process_ && process_->running();
}

bool PebbleServer::start() {
    std::vector<std::string> argv = {"pebble", "-config", (dir() / "pebble-config.json").string()};
    if (!options_.dnsServer.empty()) {
        argv.insert(argv.end(), {"-dnsserver", options_.dnsServer});
    }
    std::map<std::string, std::string> env = options_.extraEnv;
    env["PEBBLE_VA_NOSLEEP"] = options_.vaNoSleep ? "1" : "0";
    env["PEBBLE_VA_ALWAYS_VALID"] = options_.vaAlwaysValid ? "1" : "0";
    env["PEBBLE_WFE_NONCEREJECT"] = std::to_string(options_.nonceRejectPercent);
    if (options_.authzReusePercent) {
        env["PEBBLE_AUTHZREUSE"] = std::to_string(*options_.authzReusePercent);
    }
    process_ = std::make_unique<Process>(argv, dir() / "pebble.log", env);

    auto client = makeClient(caFile_);
    const bool ready = pollUntil(
        [&] {
            if (!process_->running()) {
                return true;
            }
            auto r = client.get(directoryUrl());
            return r.ok() && r->status == 200;
        },
        kStartTimeout);
    if (ready && process_->running()) {
        return true;
    }
    process_->stop();
    process_.reset();
    return false;
}

std::string PebbleServer::fetchManagement(const std::string& path) const {
    auto client = makeClient(caFile_);
    auto r = client.get(managementUrl() + path);
    if (!r || r->status != 200) {
        throw std::runtime_error("pebble management " + path + ": " +
                                 (r ? "HTTP " + std::to_string(r->status) : r.problem().detail));
    }
    return r->body;
}

std::string PebbleServer::issuingRoot() const {
    return fetchManagement("/roots/0");
}

std::string PebbleServer::issuingIntermediate() const {
    return fetchManagement("/intermediates/0");
}

void PebbleServer::stop() {
    if (process_) {
        process_->stop();
        process_.reset();
    }
}

}  // namespace legate::test
