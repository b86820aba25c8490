#include "idO/state/ExpirySweeper.h"

#include "broker/log/Logger.h"

namespace legate::ido {

ExpirySweeper::ExpirySweeper(std::vector<TenantState*> tenants, Options options)
    : tenants_(std::move(tenants)), options_(options) {}

ExpirySweeper::~ExpirySweeper() {
    stop();
}

int64_t ExpirySweeper::sweepOnce() {
    int64_t expired = 0;
    for (TenantState* tenant : tenants_) {
        for (int i = 0; i < options_.maxBatches; ++i) {
            auto step = tenant->sweepExpiredOrders(options_.batch);
            if (!step.ok()) {
                log::Logger("sweep").warn(
                    "expiry sweep failed",
                    {{"tenant", tenant->tenant()}, {"error", step.problem().detail}});
                break;
            }
            expired += step->expired;
            if (!step->more) {
                break;
            }
        }
    }
    return expired;
}

void ExpirySweeper::start() {
    thread_ = std::thread([this] {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            if (wake_.wait_for(lock, options_.period, [this] { return stopping_; })) {
                break;
            }
            lock.unlock();
            const auto expired = sweepOnce();
            if (expired > 0) {
                log::Logger("sweep").info("expired orders made invalid", {{"orders", expired}});
            }
            lock.lock();
        }
    });
}

void ExpirySweeper::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

}  // namespace legate::ido
