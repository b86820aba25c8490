#include "ndc/StateStore.h"

#include "broker/core/Time.h"
#include "ndc/AtomicFile.h"

namespace legate::ndc {

using acme::ErrorType;
using acme::Problem;
using nlohmann::json;

namespace {

json timeOrNull(const std::optional<TimePoint>& t) {
    return t ? json(toRfc3339(*t)) : json(nullptr);
}

std::optional<TimePoint> timeFrom(const json& j, const char* member) {
    if (!j.contains(member) || !j[member].is_string()) {
        return std::nullopt;
    }
    return parseRfc3339(j[member].get<std::string>());
}

std::string str(const json& j, const char* member) {
    return j.contains(member) && j[member].is_string() ? j[member].get<std::string>() : "";
}

}  // namespace

json toJson(const NdcState& state) {
    json slots = json::object();
    for (const auto& [name, s] : state.slots) {
        json j = {{"delegation", s.delegationUrl},
                  {"order", s.orderUrl},
                  {"certificate", s.certificateUrl},
                  {"star", s.star},
                  {"lifetime", s.lifetime ? json(s.lifetime->count()) : json(nullptr)},
                  {"names", s.names},
                  {"out", s.out},
                  {"next-action", s.nextAction},
                  {"next-at", timeOrNull(s.nextAt)},
                  {"failures", s.failures},
                  {"last-error", s.lastError},
                  {"last-error-at", timeOrNull(s.lastErrorAt)},
                  {"reload-pending", s.reloadPending},
                  {"ended", s.ended}};
        if (s.installed) {
            j["installed"] = {{"serial", s.installed->serial},
                              {"not-before", toRfc3339(s.installed->notBefore)},
                              {"not-after", toRfc3339(s.installed->notAfter)}};
        } else {
            j["installed"] = nullptr;
        }
        slots[name] = std::move(j);
    }
    return {{"server", state.server},
            {"ca-bundle", state.caBundle},
            {"account", state.accountUrl},
            {"slots", std::move(slots)}};
}

Result<NdcState> stateFromJson(const json& doc) {
    if (!doc.is_object()) {
        return Problem::make(ErrorType::malformed, "state: not an object");
    }
    NdcState state;
    state.server = str(doc, "server");
    state.caBundle = str(doc, "ca-bundle");
    state.accountUrl = str(doc, "account");
    if (doc.contains("slots") && doc["slots"].is_object()) {
        for (const auto& [name, j] : doc["slots"].items()) {
            SlotState s;
            s.delegationUrl = str(j, "delegation");
            s.orderUrl = str(j, "order");
            s.certificateUrl = str(j, "certificate");
            s.star = j.value("star", true);
            if (j.contains("lifetime") && j["lifetime"].is_number_integer()) {
                s.lifetime = Seconds{j["lifetime"].get<int64_t>()};
            }
            if (j.contains("names") && j["names"].is_array()) {
                for (const auto& n : j["names"]) {
                    if (n.is_string()) {
                        s.names.push_back(n.get<std::string>());
                    }
                }
            }
            s.out = str(j, "out");
            s.nextAction = str(j, "next-action");
            s.nextAt = timeFrom(j, "next-at");
            s.failures = j.contains("failures") && j["failures"].is_number_integer()
                             ? j["failures"].get<int>()
                             : 0;
            s.lastError = str(j, "last-error");
            s.lastErrorAt = timeFrom(j, "last-error-at");
            s.reloadPending = j.value("reload-pending", false);
            s.ended = str(j, "ended");
            if (j.contains("installed") && j["installed"].is_object()) {
                const auto& i = j["installed"];
                auto nb = timeFrom(i, "not-before");
                auto na = timeFrom(i, "not-after");
                if (nb && na) {
                    s.installed = InstalledCertificate{str(i, "serial"), *nb, *na};
                }
            }
            state.slots[name] = std::move(s);
        }
    }
    return state;
}

StateStore::StateStore(std::filesystem::path stateDir) : dir_(std::move(stateDir)) {}

Result<NdcState> StateStore::load() const {
    std::error_code ec;
    if (!std::filesystem::exists(file(), ec)) {
        return NdcState{};
    }
    auto text = readTextFile(file());
    LEGATE_TRY(text);
    auto doc = json::parse(*text, nullptr, false);
    if (doc.is_discarded()) {
        return Problem::make(ErrorType::malformed, file().string() + ": not valid JSON");
    }
    return stateFromJson(doc);
}

Status StateStore::save(const NdcState& state) const {
    LEGATE_TRY(ensureDirectory(dir_, 0700));
    return writeFileAtomic(file(), toJson(state).dump(2) + "\n", 0600);
}

}  // namespace legate::ndc
