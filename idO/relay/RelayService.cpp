#include "idO/relay/RelayService.h"

#include <unistd.h>

#include "broker/log/Logger.h"

namespace legate::ido::relay {
namespace {

std::string hostName() {
    char name[256] = {};
    if (gethostname(name, sizeof(name) - 1) != 0) {
        return "ido";
    }
    return name;
}

store::PoolOptions poolOptions(const ServeConfig& config) {
    store::PoolOptions o;
    // Workers block on XREADGROUP; each needs a connection of its own, plus the
    // heartbeats and the scheduler.
    o.size = static_cast<size_t>(config.relay.workers) * 2 + 4;
    o.connection.connectTimeout = std::chrono::milliseconds(config.redis.connectTimeoutMs);
    o.connection.commandTimeout =
        std::chrono::milliseconds(std::max(config.redis.commandTimeoutMs, 3000));
    return o;
}

/// Due polls moved to the stream per tenant per tick: far more than any CA's order
/// rate, and still a bounded amount of work for one scheduler pass.
constexpr int64_t kPollsPerTick = 1000;

/// What one worker currently holds, for its heartbeat thread.
struct Holding {
    std::mutex mutex;
    TenantRelay* relay = nullptr;
    std::string jobId;
    std::string orderId;
    int64_t token = 0;
};

}  // namespace

RelayService::RelayService(const ServeConfig& config, const store::RedisUrl& redis)
    : config_(config.relay),
      pool_(redis, poolOptions(config)),
      consumerPrefix_(hostName() + "-" + std::to_string(getpid())) {}

Result<std::unique_ptr<RelayService>> RelayService::start(const ServeConfig& config,
                                                          const store::RedisUrl& redis,
                                                          const Clock& clock) {
    std::unique_ptr<RelayService> service(new RelayService(config, redis));
    service->clock_ = &clock;
    for (const auto& tenant : config.tenants) {
        if (!tenant.upstream) {
            continue;
        }
        auto upstream = UpstreamTenant::start(tenant.name, *tenant.upstream, clock);
        if (!upstream.ok()) {
            auto p = upstream.problem();
            p.detail = "tenant " + tenant.name + " upstream: " + p.detail;
            return p;
        }
        if (auto checked = (*upstream)->checkProfiles(); !checked.ok()) {
            return checked.problem();
        }
        auto relay = std::make_unique<TenantRelay>(service->pool_, tenant, std::move(*upstream),
                                                   config.relay, clock);
        LEGATE_TRY(relay->state().ensureGroup());
        service->tenants_.push_back(std::move(relay));
    }
    if (service->tenants_.empty() || config.relay.workers == 0) {
        return service;
    }
    for (int i = 0; i < config.relay.workers; ++i) {
        service->threads_.emplace_back([s = service.get(), i] { s->workerLoop(i); });
    }
    service->threads_.emplace_back([s = service.get()] { s->schedulerLoop(); });
    relayLogger().info("relay started", {{"tenants", service->tenants_.size()},
                                         {"workers", config.relay.workers},
                                         {"consumer", service->consumerPrefix_}});
    return service;
}

RelayService::~RelayService() {
    stop(std::chrono::seconds(10));
}

TenantRelay* RelayService::tenant(const std::string& name) {
    for (auto& t : tenants_) {
        if (t->tenant() == name) {
            return t.get();
        }
    }
    return nullptr;
}

bool RelayService::pause(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, d, [this] { return stopping_.load(); });
    return !stopping_;
}

bool RelayService::stop(std::chrono::milliseconds grace) {
    if (threads_.empty()) {
        return true;
    }
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    schedulerWake_.notify_all();
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (running_ > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const bool all = running_ == 0;
    for (auto& t : threads_) {
        if (all) {
            t.join();
        } else {
            // A job still talking to the CA: leave it; its entry stays pending in the
            // stream and is claimed back, and every step is idempotent.
            t.detach();
        }
    }
    threads_.clear();
    return all;
}

void RelayService::workerLoop(int index) {
    running_++;
    const std::string consumer = consumerPrefix_ + "-w" + std::to_string(index);
    const auto claimIdle = std::chrono::milliseconds(config_.claimIdleMs);
    std::map<std::string, std::unique_ptr<upstream::AcmeClient>> clients;
    auto holding = std::make_shared<Holding>();

    // The heartbeat: while a job runs, keep its claim and its order lock fresh.
    std::thread heartbeat([this, holding, consumer, claimIdle] {
        running_++;
        while (pause(claimIdle / 3)) {
            std::lock_guard lock(holding->mutex);
            if (!holding->relay || holding->jobId.empty()) {
                continue;
            }
            (void)holding->relay->state().touch(consumer, holding->jobId);
            if (holding->token != 0) {
                (void)holding->relay->state().renewLock(holding->orderId, holding->token,
                                                        claimIdle);
            }
        }
        running_--;
    });

    auto lastClaim = std::chrono::steady_clock::now() - claimIdle;
    const auto block = std::chrono::milliseconds(
        std::max<int64_t>(50, 500 / static_cast<int64_t>(tenants_.size())));
    while (!stopping_) {
        const bool claimTime = std::chrono::steady_clock::now() - lastClaim >= claimIdle / 2;
        if (claimTime) {
            lastClaim = std::chrono::steady_clock::now();
        }
        for (auto& relay : tenants_) {
            if (stopping_) {
                break;
            }
            std::vector<Job> jobs;
            if (claimTime) {
                auto claimed = relay->state().claimIdle(consumer, claimIdle, 1);
                if (claimed.ok() && !claimed->empty()) {
                    relayLogger().info("claimed back a job", {{"tenant", relay->tenant()},
                                                              {"job", claimed->front().id},
                                                              {"kind", claimed->front().kind}});
                    jobs = std::move(*claimed);
                }
            }
            if (jobs.empty()) {
                auto read = relay->state().readJobs(consumer, 1, block);
                if (!read.ok()) {
                    relayLogger().warn(
                        "relay stream unreadable",
                        {{"tenant", relay->tenant()}, {"detail", read.problem().detail}});
                    pause(std::chrono::seconds(1));
                    continue;
                }
                jobs = std::move(*read);
            }
            for (const auto& job : jobs) {
                {
                    std::lock_guard lock(holding->mutex);
                    holding->relay = relay.get();
                    holding->jobId = job.id;
                }
                WorkerContext context;
                context.consumer = consumer;
                context.client = &clients[relay->tenant()];
                context.sleep = [this](std::chrono::milliseconds d) { pause(d); };
                context.heartbeat = [&relay, &consumer, &job] {
                    (void)relay->state().touch(consumer, job.id);
                };
                context.holdLock = [holding](const std::string& orderId, int64_t token) {
                    std::lock_guard lock(holding->mutex);
                    holding->orderId = orderId;
                    holding->token = token;
                };
                auto handled = relay->handle(job, context);
                {
                    std::lock_guard lock(holding->mutex);
                    holding->relay = nullptr;
                    holding->jobId.clear();
                    holding->token = 0;
                }
                nudgeScheduler();
                if (handled.ok()) {
                    (void)relay->state().ack(job.id);
                } else {
                    // Left pending: claimed back after claim-idle-ms, by us or another.
                    relayLogger().warn("relay job failed; it will be retried",
                                       {{"tenant", relay->tenant()},
                                        {"kind", job.kind},
                                        {"order", job.order},
                                        {"detail", handled.problem().detail}});
                    // A client that saw trouble may hold stale nonces; start afresh.
                    clients.erase(relay->tenant());
                }
            }
        }
    }
    heartbeat.join();
    running_--;
}

void RelayService::scheduleTenant(TenantRelay& relay,
                                  std::chrono::steady_clock::time_point& lastWarning) {
    const auto lease = std::chrono::milliseconds(config_.claimIdleMs * 5);
    // Polls first: looking at the CA again costs no budget, and an order waiting for
    // its CA should not wait behind renewals too.
    auto polls = relay.state().moveDuePolls(kPollsPerTick, lease);
    if (polls.ok() && *polls > 0) {
        relayLogger().debug("polls due", {{"tenant", relay.tenant()}, {"moved", *polls}});
    }
    auto due = relay.state().dueCount();
    if (!due.ok() || *due == 0) {
        return;
    }
    const auto& config = relay.upstream().config();
    int64_t limit = std::min<int64_t>(*due, config.renewal.perTick);
    if (config.budget.enabled()) {
        auto granted = relay.state().takeBudget(limit, config.budget.orders,
                                                std::chrono::seconds(config.budget.periodSeconds));
        if (!granted.ok()) {
            return;
        }
        if (*granted < limit) {
            relay.state().count("budget_deferred", limit - *granted);
            const auto now = std::chrono::steady_clock::now();
            if (now - lastWarning > std::chrono::minutes(1)) {
                lastWarning = now;
                relayLogger().warn(
                    "upstream order budget exhausted: renewals wait, oldest due first",
                    {{"tenant", relay.tenant()},
                     {"due", *due},
                     {"granted", *granted},
                     {"budget_orders", config.budget.orders},
                     {"budget_period", config.budget.periodSeconds}});
            }
        }
        limit = *granted;
    }
    auto moved = relay.state().moveDue(limit, lease);
    if (moved.ok() && *moved > 0) {
        relayLogger().debug("renewals due", {{"tenant", relay.tenant()}, {"moved", *moved}});
    }
}

std::chrono::steady_clock::time_point RelayService::movePollsIfDue(TenantRelay& relay) {
    using Steady = std::chrono::steady_clock;
    // Never sooner than this: polls due together go in one move, and a poll Redis
    // would not move (an error) is not looked at in a spin.
    constexpr auto kMinGap = std::chrono::milliseconds(10);
    for (int round = 0; round < 2; ++round) {
        auto next = relay.state().nextPoll();
        if (!next.ok() || !*next) {
            return Steady::time_point::max();
        }
        const auto in = **next - clock_->now();
        if (in > TimePoint::duration::zero() || round == 1) {
            return Steady::now() + std::max<Steady::duration>(
                                       std::chrono::duration_cast<Steady::duration>(in), kMinGap);
        }
        const auto lease = std::chrono::milliseconds(config_.claimIdleMs * 5);
        (void)relay.state().moveDuePolls(kPollsPerTick, lease);
    }
    return Steady::now() + kMinGap;
}

bool RelayService::pauseScheduler(std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mutex_);
    schedulerWake_.wait_until(lock, until, [this] { return stopping_.load() || nudged_; });
    nudged_ = false;
    return !stopping_;
}

void RelayService::nudgeScheduler() {
    {
        std::lock_guard lock(mutex_);
        nudged_ = true;
    }
    schedulerWake_.notify_one();
}

void RelayService::schedulerLoop() {
    running_++;
    std::map<std::string, std::chrono::steady_clock::time_point> lastWarning;
    const auto tick = std::chrono::milliseconds(config_.tickMs);
    auto nextTick = std::chrono::steady_clock::now() + tick;
    while (true) {
        auto wake = nextTick;
        for (auto& relay : tenants_) {
            wake = std::min(wake, movePollsIfDue(*relay));
        }
        if (!pauseScheduler(wake)) {
            break;
        }
        if (std::chrono::steady_clock::now() >= nextTick) {
            nextTick = std::chrono::steady_clock::now() + tick;
            for (auto& relay : tenants_) {
                scheduleTenant(*relay, lastWarning[relay->tenant()]);
            }
        }
    }
    running_--;
}

}  // namespace legate::ido::relay
