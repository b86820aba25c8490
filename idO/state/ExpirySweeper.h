#pragma once
/// The periodic sweep of orders past `expires` (RFC 8555 section 7.1.6: an order not
/// finalized by then is invalid).  Every `period` each tenant's due orders are swept in
/// batches of `batch`, at most `maxBatches` per tenant and round, so one round holds Redis
/// for short scripts only and a backlog drains over several rounds.  A ready order past
/// `expires` becomes invalid and frees its open-order slots (docs/state.md, "Open-order
/// caps").  Finalize and newOrder check expiry themselves too, so the sweep's period only
/// decides how soon the slots of forgotten orders come back, never whether an expired
/// order can still be finalized.  Any number of processes may sweep at once: each order
/// is expired by one script, at most once.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "idO/state/TenantState.h"

namespace legate::ido {

class ExpirySweeper {
public:
    struct Options {
        std::chrono::milliseconds period{60000};
        int64_t batch = 100;
        int maxBatches = 100;
    };

    ExpirySweeper(std::vector<TenantState*> tenants, Options options);
    ~ExpirySweeper();
    ExpirySweeper(const ExpirySweeper&) = delete;
    ExpirySweeper& operator=(const ExpirySweeper&) = delete;

    /// One round over every tenant; the number of orders made invalid.  A tenant whose
    /// Redis fails is skipped (logged) and swept next round.
    int64_t sweepOnce();

    /// Starts the thread that calls sweepOnce() every period; stop() ends it.
    void start();
    void stop();

private:
    std::vector<TenantState*> tenants_;
    Options options_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;  // guarded by mutex_
    std::thread thread_;
};

}  // namespace legate::ido
