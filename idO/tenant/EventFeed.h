#pragma once
/// Keeps every tenant's in-process caches honest across `ido` processes: subscribes to
/// each tenant's events channel (TenantKeys::eventsChannel) and applies what the state
/// scripts publish there.
///
///   "acct:<id>"     -> tenant.accounts.invalidate(id)      (key change, deactivation, update)
///   "cert:<token>"  -> tenant.publications.invalidate(token)
///
/// Caches are live (allowed to hold entries) only while the subscription is up: on
/// every (re)subscription they are switched live (emptied first, since messages may
/// have been missed), on a disconnect they are switched off, so a process that cannot
/// hear invalidations reads Redis every time instead of serving stale records.

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "broker/store/RedisSubscriber.h"
#include "broker/store/RedisUrl.h"
#include "idO/tenant/TenantContext.h"

namespace legate::ido {

class EventFeed {
public:
    /// `services` must outlive the feed.
    EventFeed(const AcmeServices& services, store::RedisUrl url,
              store::SubscriberOptions options = {});
    ~EventFeed();
    EventFeed(const EventFeed&) = delete;
    EventFeed& operator=(const EventFeed&) = delete;

    void start();
    /// Stops listening and switches every cache off.
    void stop();

    /// True while subscribed.
    bool live() const { return live_.load(); }

    /// Applies one message of `channel` (what the subscriber calls; public for tests).
    void deliver(const std::string& channel, const std::string& message);

private:
    void setLive(bool live);

    const AcmeServices& services_;
    std::map<std::string, TenantContext*> byChannel_;
    std::atomic<bool> live_{false};
    std::unique_ptr<store::RedisSubscriber> subscriber_;
};

}  // namespace legate::ido
