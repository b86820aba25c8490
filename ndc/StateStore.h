#pragma once
/// What the NDC remembers between runs, in `<state>/state.json` (mode 0600, written
/// atomically after every change): the account, and per slot the order, the certificate
/// URL, what is installed, and the next action.  A restarted `ndc run` continues from
/// here instead of ordering again; `ndc status` reads it.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/Clock.h"
#include "broker/core/Result.h"

namespace legate::ndc {

struct InstalledCertificate {
    std::string serial;
    TimePoint notBefore;
    TimePoint notAfter;
    bool operator==(const InstalledCertificate&) const = default;
};

struct SlotState {
    std::string delegationUrl;
    std::string orderUrl;        ///< "" = no order yet (or it ended and a new one is due)
    std::string certificateUrl;  ///< star-certificate / certificate, once the order is valid
    bool star = true;
    std::optional<Seconds> lifetime;
    std::vector<std::string> names;  ///< what the order asked for (verification)
    std::string out;                 ///< output directory of the installed files
    std::optional<InstalledCertificate> installed;
    std::string nextAction;  ///< order, poll-order, fetch, reload, stopped
    std::optional<TimePoint> nextAt;
    int failures = 0;  ///< consecutive errors (drives the backoff)
    std::string lastError;
    std::optional<TimePoint> lastErrorAt;
    bool reloadPending = false;
    std::string ended;  ///< autoRenewalCanceled / autoRenewalExpired when the order ended
};

struct NdcState {
    std::string server;  ///< the IdO's ACME directory URL
    std::string caBundle;
    std::string accountUrl;
    std::map<std::string, SlotState> slots;
};

nlohmann::json toJson(const NdcState& state);
Result<NdcState> stateFromJson(const nlohmann::json& doc);

class StateStore {
public:
    explicit StateStore(std::filesystem::path stateDir);
    /// The saved state; an empty one when there is no file yet.
    Result<NdcState> load() const;
    Status save(const NdcState& state) const;
    std::filesystem::path file() const { return dir_ / "state.json"; }
    const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path dir_;
};

}  // namespace legate::ndc
