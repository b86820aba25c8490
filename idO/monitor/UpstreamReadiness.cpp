#include "idO/monitor/UpstreamReadiness.h"

#include <memory>

#include <nlohmann/json.hpp>

#include "broker/http/HttpClient.h"

namespace legate::ido {
namespace {

acme::Problem notReady(const std::string& detail) {
    return acme::Problem::make(acme::ErrorType::serverInternal, detail, 503);
}

}  // namespace

UpstreamReadiness::UpstreamReadiness(std::string tenant, std::string directoryUrl,
                                     std::string caBundle, std::chrono::milliseconds retryEvery)
    : tenant_(std::move(tenant)),
      directoryUrl_(std::move(directoryUrl)),
      caBundle_(std::move(caBundle)),
      retryEvery_(retryEvery),
      lastFailure_(notReady("the upstream directory has not been fetched yet")) {}

Status UpstreamReadiness::check() {
    std::lock_guard lock(mutex_);
    if (fetched_) {
        return okStatus();
    }
    const auto now = std::chrono::steady_clock::now();
    if (last_ && now - *last_ < retryEvery_) {
        return lastFailure_;
    }
    last_ = now;
    auto status = fetch();
    fetched_ = status.ok();
    lastFailure_ = status;
    return status;
}

Status UpstreamReadiness::fetch() {
    http::HttpClientOptions options;
    options.connectTimeout = std::chrono::seconds(2);
    options.totalTimeout = std::chrono::seconds(4);
    options.maxAttempts = 1;
    if (!caBundle_.empty()) {
        options.caBundle = caBundle_;
    }
    http::HttpClient client(options);
    auto response = client.get(directoryUrl_);
    if (!response.ok()) {
        return notReady("upstream directory " + directoryUrl_ + ": " + response.problem().detail);
    }
    if (response->status != 200) {
        return notReady("upstream directory " + directoryUrl_ + " answered " +
                        std::to_string(response->status));
    }
    const auto doc = nlohmann::json::parse(response->body, nullptr, false);
    if (!doc.is_object() || !doc.contains("newOrder") || !doc["newOrder"].is_string()) {
        return notReady("upstream directory " + directoryUrl_ + " is not an ACME directory");
    }
    return okStatus();
}

std::vector<ReadinessCheck> UpstreamReadiness::checksFor(const ServeConfig& config) {
    std::vector<ReadinessCheck> checks;
    for (const auto& tenant : config.tenants) {
        if (!tenant.upstream) {
            continue;
        }
        auto readiness = std::make_shared<UpstreamReadiness>(
            tenant.name, tenant.upstream->directory, tenant.upstream->caBundle);
        checks.push_back({"upstream:" + tenant.name, [readiness] { return readiness->check(); }});
    }
    return checks;
}

}  // namespace legate::ido
