#pragma once
/// The daemon's decisions, one slot at a time, without the waiting: `runDue()` does
/// whatever is due now for every configured slot and says when it wants to run again.
/// The loops around it (Daemon.h for `ndc run`, `ndc order` for one slot until its
/// first certificate is installed) only wait and handle signals, so every path of
/// the logic is tested by calling runDue() with a ManualClock, no sleeping.
///
/// A slot moves through: order -> poll-order -> fetch (-> reload) -> fetch ... and ends
/// in `stopped` when its STAR order is canceled or expires (or back to `order` when the
/// config says `reorder`).  Fail-safe rules:
///  * nothing is ever deleted: whatever error happens, the installed certificate and key
///    stay where the edge reads them;
///  * a new chain is installed only after ChainVerifier accepted it, and never one that
///    expires earlier than the one installed from the same order;
///  * errors back off exponentially (Schedule.h), retries land before the installed
///    certificate's notAfter; the count and the last error are in the state file;
///  * a failed reload command is retried with the same backoff until it succeeds;
///  * every change of a slot is saved before the next action (a restart resumes).

#include <functional>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/crypto/Certificate.h"
#include "broker/log/Logger.h"
#include "ndc/AcmeClient.h"
#include "ndc/Config.h"
#include "ndc/KeyStore.h"
#include "ndc/Ordering.h"
#include "ndc/StateStore.h"

namespace legate::ndc {

class Agent {
public:
    /// `random01` returns values in [0, 1) for jitter.
    Agent(Config config, AcmeClient& client, KeyStore& keys, StateStore& store, const Clock& clock,
          std::function<double()> random01);

    /// Loads the state file and the trust anchors, and aligns the state with the config.
    Status start();
    /// Does everything due now; returns when the next action is due.
    TimePoint runDue();
    /// A new configuration (SIGHUP).  On a problem (e.g. unreadable trust file) the old
    /// one stays and the problem is returned.
    Status reconfigure(Config config);

    /// Also tells `progress` each step (ordered, waiting, valid, verified, installed):
    /// `ndc order` drives the Agent and shows these to the operator.
    void setProgress(Progress progress) { progress_ = std::move(progress); }

    const NdcState& state() const { return state_; }
    const Config& config() const { return config_; }

private:
    void service(const SlotConfig& cfg, SlotState& s, TimePoint now);
    void order(const SlotConfig& cfg, SlotState& s, TimePoint now);
    void pollOrder(const SlotConfig& cfg, SlotState& s, TimePoint now);
    void fetch(const SlotConfig& cfg, SlotState& s, TimePoint now);
    bool reload(const SlotConfig& cfg, SlotState& s, TimePoint now);
    /// Handles a publication refusal; true when it was terminal (order ended).
    bool ended(const SlotConfig& cfg, SlotState& s, const Reply& reply, TimePoint now);
    void fail(const SlotConfig& cfg, SlotState& s, TimePoint now, const std::string& what,
              const acme::Problem& problem);
    void succeeded(SlotState& s);
    void save();
    Status align();
    void step(const std::string& name, const std::string& detail) const;

    Config config_;
    AcmeClient& client_;
    KeyStore& keys_;
    StateStore& store_;
    const Clock& clock_;
    std::function<double()> random01_;
    std::vector<crypto::Certificate> trust_;
    NdcState state_;
    log::Logger log_{"ndc"};
    Progress progress_;
};

}  // namespace legate::ndc
