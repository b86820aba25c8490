#include "idO/tenant/EventFeed.h"

#include <string_view>
#include <vector>

#include "broker/log/Logger.h"

namespace legate::ido {
namespace {

const log::Logger& logger() {
    static const log::Logger instance("events");
    return instance;
}

}  // namespace

EventFeed::EventFeed(const AcmeServices& services, store::RedisUrl url,
                     store::SubscriberOptions options)
    : services_(services) {
    std::vector<std::string> patterns;
    for (const auto& [name, tenant] : services_.tenants()) {
        const std::string channel = tenant->state.keys().eventsChannel();
        byChannel_[channel] = tenant.get();
        patterns.push_back(store::RedisSubscriber::literalPattern(channel));
    }
    store::SubscriberCallbacks callbacks;
    callbacks.onMessage = [this](const std::string& channel, const std::string& message) {
        deliver(channel, message);
    };
    callbacks.onConnected = [this] {
        setLive(true);
        logger().info("cache invalidation feed subscribed");
    };
    callbacks.onDisconnected = [this] {
        setLive(false);
        logger().warn("cache invalidation feed down: caches off until it is back");
    };
    callbacks.onError = [](const std::string& error) {
        logger().warn("cache invalidation feed", {{"error", error}});
    };
    if (!patterns.empty()) {
        subscriber_ = std::make_unique<store::RedisSubscriber>(std::move(url), std::move(patterns),
                                                               std::move(callbacks), options);
    }
}

EventFeed::~EventFeed() {
    stop();
}

void EventFeed::start() {
    if (subscriber_) {
        subscriber_->start();
    }
}

void EventFeed::stop() {
    if (subscriber_) {
        subscriber_->stop();
    }
    setLive(false);
}

void EventFeed::deliver(const std::string& channel, const std::string& message) {
    const auto it = byChannel_.find(channel);
    if (it == byChannel_.end()) {
        return;
    }
    TenantContext& tenant = *it->second;
    const std::string_view text = message;
    constexpr std::string_view kAccount = "acct:";
    constexpr std::string_view kCertificate = "cert:";
    if (text.starts_with(kAccount)) {
        tenant.accounts.invalidate(std::string(text.substr(kAccount.size())));
    } else if (text.starts_with(kCertificate)) {
        // "cert:<token>" possibly followed by " <version>": the token ends at a space.
        auto token = text.substr(kCertificate.size());
        token = token.substr(0, token.find(' '));
        tenant.publications.invalidate(std::string(token));
    }
}

void EventFeed::setLive(bool live) {
    live_.store(live);
    for (const auto& [name, tenant] : services_.tenants()) {
        tenant->accounts.setLive(live);
        tenant->publications.setLive(live);
    }
}

}  // namespace legate::ido
