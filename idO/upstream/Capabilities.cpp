#include "idO/upstream/Capabilities.h"

#include "idO/upstream/UpstreamProblem.h"

namespace legate::ido::upstream {
namespace {

/// Reads an optional string member; false when present with another type.
bool optionalString(const nlohmann::json& obj, const char* name, std::optional<std::string>& out) {
    if (!obj.contains(name)) {
        return true;
    }
    if (!obj[name].is_string()) {
        return false;
    }
    out = obj[name].get<std::string>();
    return true;
}

bool optionalBool(const nlohmann::json& obj, const char* name, bool& out) {
    if (!obj.contains(name)) {
        return true;
    }
    if (!obj[name].is_boolean()) {
        return false;
    }
    out = obj[name].get<bool>();
    return true;
}

bool optionalSeconds(const nlohmann::json& obj, const char* name, std::optional<int64_t>& out) {
    if (!obj.contains(name)) {
        return true;
    }
    if (!obj[name].is_number_integer()) {
        return false;
    }
    out = obj[name].get<int64_t>();
    return true;
}

}  // namespace

Result<Capabilities> Capabilities::fromDirectory(const nlohmann::json& directory) {
    if (!directory.is_object()) {
        return badUpstream("directory is not a JSON object");
    }
    Capabilities c;
    c.raw = directory;
    for (auto [name, target] :
         {std::pair{"newNonce", &c.newNonce}, std::pair{"newAccount", &c.newAccount},
          std::pair{"newOrder", &c.newOrder}}) {
        if (!directory.contains(name) || !directory[name].is_string()) {
            return badUpstream(std::string("directory has no string '") + name + "'");
        }
        *target = directory[name].get<std::string>();
    }
    std::optional<std::string> revoke;
    std::optional<std::string> keyChange;
    if (!optionalString(directory, "revokeCert", revoke) ||
        !optionalString(directory, "keyChange", keyChange) ||
        !optionalString(directory, "newAuthz", c.newAuthz) ||
        !optionalString(directory, "renewalInfo", c.renewalInfo)) {
        return badUpstream("directory has a URL member that is not a string");
    }
    c.revokeCert = revoke.value_or("");
    c.keyChange = keyChange.value_or("");

    if (!directory.contains("meta")) {
        return c;
    }
    const auto& meta = directory["meta"];
    if (!meta.is_object()) {
        return badUpstream("directory meta is not an object");
    }
    if (!optionalString(meta, "termsOfService", c.termsOfService) ||
        !optionalBool(meta, "externalAccountRequired", c.externalAccountRequired) ||
        !optionalBool(meta, "allow-certificate-get", c.allowCertificateGet)) {
        return badUpstream("directory meta has a member of the wrong type");
    }
    if (meta.contains("auto-renewal")) {
        const auto& ar = meta["auto-renewal"];
        AutoRenewal autoRenewal;
        if (!ar.is_object() || !optionalSeconds(ar, "min-lifetime", autoRenewal.minLifetime) ||
            !optionalSeconds(ar, "max-duration", autoRenewal.maxDuration) ||
            !optionalBool(ar, "allow-certificate-get", autoRenewal.allowCertificateGet)) {
            return badUpstream("directory meta.auto-renewal is malformed");
        }
        c.autoRenewal = autoRenewal;
    }
    if (meta.contains("profiles")) {
        const auto& profiles = meta["profiles"];
        if (!profiles.is_object()) {
            return badUpstream("directory meta.profiles is not an object");
        }
        for (const auto& [name, description] : profiles.items()) {
            c.profiles[name] = description.is_string() ? description.get<std::string>() : "";
        }
    }
    return c;
}

}  // namespace legate::ido::upstream
