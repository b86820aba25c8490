#include "tests/integration/IdoProcess.h"

#include <signal.h>
#include <stdexcept>

#include "broker/http/HttpClient.h"

namespace legate::test {

std::string idoBinary() {
    return LEGATE_IDO_BINARY;
}

IdoProcess::IdoProcess(Options options)
    : options_(std::move(options)), acmePort_(freePort()), adminPort_(freePort()) {
    baseUrl_ = "https://127.0.0.1:" + std::to_string(acmePort_);
    nlohmann::json config = {
        {"acme",
         {{"listen", "127.0.0.1"},
          {"port", acmePort_},
          {"base-url", baseUrl_},
          {"tls", {{"development", {{"dir", "tls"}, {"names", {"localhost", "127.0.0.1"}}}}}}}},
        {"admin", {{"listen", "127.0.0.1"}, {"port", adminPort_}, {"token", adminToken_}}},
        {"redis", {{"url", options_.redisUrl}}},
        {"log", {{"level", "information"}}},
        {"tenants",
         {{{"name", options_.tenant},
           {"star",
            {{"min-lifetime", options_.minLifetime}, {"max-duration", options_.maxDuration}}}}}},
    };
    if (!options_.upstream.is_null()) {
        config["tenants"][0]["upstream"] = options_.upstream;
    }
    config["tenants"][0].merge_patch(options_.tenantExtra);
    config.merge_patch(options_.extra);
    writeFile(dir_ / "ido.json", config.dump(2));
}

IdoProcess::~IdoProcess() {
    if (process_) {
        process_->stop(SIGTERM, std::chrono::seconds(15));
    }
}

void IdoProcess::start() {
    process_ = std::make_unique<Process>(
        std::vector<std::string>{idoBinary(), "serve", "--config", configFile()}, dir_ / "ido.log",
        options_.env);
    http::HttpClientOptions options;
    options.caBundle = caFile();
    bool up = pollUntil(
        [&] {
            if (!process_->running()) {
                return true;  // exited: reported below
            }
            if (!portAcceptsConnections(acmePort_) || !portAcceptsConnections(adminPort_)) {
                return false;
            }
            http::HttpClient client(options);
            auto r = client.get(directoryUrl());
            return r.ok() && r->status == 200;
        },
        std::chrono::seconds(30));
    if (!up || !process_->running()) {
        throw std::runtime_error("ido serve did not come up; log:\n" + log());
    }
}

int IdoProcess::stop() {
    if (!process_) {
        return 0;
    }
    const int status = process_->stop(SIGTERM, std::chrono::seconds(15));
    process_.reset();
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool IdoProcess::waitForExit(std::chrono::milliseconds timeout) {
    if (!process_) {
        return true;
    }
    if (process_->wait(timeout) == -1) {
        return false;
    }
    process_.reset();
    return true;
}

void IdoProcess::kill() {
    if (process_) {
        process_->stop(SIGKILL, std::chrono::seconds(5));
        process_.reset();
    }
}

ido::AdminAnswer IdoProcess::admin(const std::string& method, const std::string& path,
                                   const nlohmann::json& body) const {
    ido::AdminClient client(adminUrl(), adminToken_);
    auto r = client.request(method, path,
                            body.is_null() ? std::nullopt : std::optional<nlohmann::json>(body));
    if (!r) {
        throw std::runtime_error("admin " + method + " " + path + ": " + r.problem().detail);
    }
    return std::move(*r);
}

}  // namespace legate::test
