#pragma once
/// The `ndc run` configuration file (JSON, strict): which delegations to keep fresh,
/// where to put them, how to tell the edge, and the timing bounds.  Every problem is
/// reported with its JSON path (broker/core/ConfigReader), all at once.  The format is
/// documented in docs/ndc.md.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker/core/Result.h"
#include "broker/crypto/Key.h"
#include "ndc/Schedule.h"

namespace legate::ndc {

struct SlotConfig {
    std::string name;           ///< slot name: key file, state entry, log field
    std::string delegationUrl;  ///< the delegation object URL from `ndc delegations`
    std::filesystem::path out;  ///< where fullchain.pem and key.pem go
    bool star = true;
    Seconds lifetime{86400};
    Seconds duration{7 * 86400};
    /// STAR end-date; unset: now + duration.  (`ndc order --end-date`; not in the file.)
    std::optional<TimePoint> endDate;
    bool reorder = false;  ///< order again when the STAR order ends or is canceled
    std::string reload;    ///< shell command run after each change ("" = none)
    std::optional<crypto::KeyType> keyType;
    std::map<std::string, std::string> subject;
    std::vector<std::string> dnsNames;
    bool operator==(const SlotConfig&) const = default;
};

struct Config {
    std::filesystem::path stateDir;
    std::optional<std::filesystem::path> caBundle;  ///< trust for the IdO's HTTPS
    std::filesystem::path trust;                    ///< anchors every chain must reach
    std::string logLevel = "information";
    std::string logFile = "stderr";
    Timing timing;
    std::vector<SlotConfig> slots;
};

/// Parses a configuration document; relative paths are taken relative to `baseDir`.
/// malformed problem whose detail lists every "path: message", one per line.
Result<Config> parseConfig(const nlohmann::json& doc, const std::filesystem::path& baseDir);
/// Reads and parses the file (duplicate members refused).
Result<Config> loadConfig(const std::filesystem::path& file);

}  // namespace legate::ndc
