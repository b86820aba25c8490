#include "profiles/ProfileCatalog.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "profiles/JsonText.h"
#include "profiles/NameSyntax.h"
#include "profiles/TemplateParser.h"

#ifndef LEGATE_PROFILES_SOURCE_DIR
#define LEGATE_PROFILES_SOURCE_DIR ""
#endif

namespace legate::profiles {
namespace {

using acme::ErrorType;
using acme::Problem;
namespace fs = std::filesystem;

/// The largest profile file read (a template is a few hundred bytes).
constexpr std::uintmax_t kMaxProfileBytes = 64 * 1024;

bool isProfileName(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

std::optional<fs::path> executableDirectory() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) {
        return std::nullopt;
    }
    return exe.parent_path();
}

}  // namespace

ProfileCatalog ProfileCatalog::locate(const std::optional<fs::path>& override) {
    if (override) {
        return ProfileCatalog(*override);
    }
    if (const char* env = std::getenv(std::string(kProfilesDirEnv).c_str()); env && *env) {
        return ProfileCatalog(env);
    }
    std::error_code ec;
    if (auto dir = executableDirectory()) {
        const fs::path installed = *dir / ".." / "share" / "legate" / "profiles";
        if (fs::is_directory(installed, ec)) {
            return ProfileCatalog(installed.lexically_normal());
        }
    }
    return ProfileCatalog(fs::path(LEGATE_PROFILES_SOURCE_DIR));
}

std::vector<std::string> ProfileCatalog::names() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(directory_, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        if (p.extension() == ".json" && isProfileName(p.stem().string())) {
            out.push_back(p.stem().string());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

Result<nlohmann::json> ProfileCatalog::load(std::string_view profile) const {
    if (!isProfileName(profile)) {
        return Problem::make(ErrorType::malformed,
                             "profile names are lower-case letters, digits and '-'");
    }
    const fs::path file = directory_ / (std::string(profile) + ".json");
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec) {
        std::string known;
        for (const auto& n : names()) {
            known += (known.empty() ? "" : ", ") + n;
        }
        return Problem::make(ErrorType::malformed,
                             "unknown profile \"" + std::string(profile) + "\" (in " +
                                 directory_.string() +
                                 "; known: " + (known.empty() ? "none" : known) + ")");
    }
    if (size > kMaxProfileBytes) {
        return Problem::make(ErrorType::malformed,
                             "profile file " + file.string() + " is too large");
    }
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) {
        return Problem::make(ErrorType::serverInternal, "cannot read " + file.string());
    }
    auto doc = parseJsonStrict(text.str());
    if (!doc) {
        return Problem::make(ErrorType::malformed,
                             file.string() + ": " + std::move(doc).problem().detail);
    }
    return std::move(*doc);
}

Result<ProfileInstance> ProfileCatalog::instantiate(
    std::string_view profile, const std::vector<std::string>& names,
    const std::vector<std::string>& allowedSuffixes) const {
    auto doc = load(profile);
    LEGATE_TRY(doc);
    return instantiateDocument(*doc, names, allowedSuffixes);
}

bool ProfileCatalog::isProfile(const nlohmann::json& doc) {
    if (!doc.is_object() || !doc.contains("extensions") || !doc["extensions"].is_object()) {
        return false;
    }
    const auto& ext = doc["extensions"];
    if (!ext.contains("subjectAltName") || !ext["subjectAltName"].is_object() ||
        !ext["subjectAltName"].contains("DNS") || !ext["subjectAltName"]["DNS"].is_array()) {
        return false;
    }
    const auto& dns = ext["subjectAltName"]["DNS"];
    return std::count(dns.begin(), dns.end(), nlohmann::json(kNamesPlaceholder)) == 1;
}

Result<ProfileInstance> ProfileCatalog::instantiateDocument(
    const nlohmann::json& profile, const std::vector<std::string>& names,
    const std::vector<std::string>& allowedSuffixes) {
    std::vector<TemplateIssue> issues;
    if (!isProfile(profile)) {
        issues.push_back({"/extensions/subjectAltName/DNS", "a profile holds the element \"" +
                                                                std::string(kNamesPlaceholder) +
                                                                "\" exactly once"});
        return TemplateParser::toProblem(issues);
    }
    if (names.empty()) {
        issues.push_back({"names", "at least one name is required"});
    }
    bool chosenSlots = false;
    for (const auto& n : names) {
        chosenSlots = chosenSlots || n == "*" || n == "**";
    }
    if (chosenSlots && allowedSuffixes.empty()) {
        issues.push_back({"allowedSuffixes",
                          "names \"*\"/\"**\" let the NDC choose a name: at least one allowed "
                          "suffix is required (RFC 9115 §4.1 local policy)"});
    }
    for (size_t i = 0; i < allowedSuffixes.size(); ++i) {
        if (!isHostname(allowedSuffixes[i], false)) {
            issues.push_back({"allowedSuffixes/" + std::to_string(i),
                              "\"" + allowedSuffixes[i] + "\" is not a domain name"});
        }
    }
    nlohmann::json doc = profile;
    auto& dns = doc["extensions"]["subjectAltName"]["DNS"];
    nlohmann::json filled = nlohmann::json::array();
    for (const auto& entry : dns) {
        if (entry == nlohmann::json(kNamesPlaceholder)) {
            for (const auto& n : names) {
                filled.push_back(n);
            }
        } else {
            filled.push_back(entry);
        }
    }
    dns = std::move(filled);
    const auto templateIssues = TemplateParser::validate(doc);
    issues.insert(issues.end(), templateIssues.begin(), templateIssues.end());
    if (!issues.empty()) {
        return TemplateParser::toProblem(issues);
    }
    auto tmpl = TemplateParser::parse(doc);
    LEGATE_TRY(tmpl);
    std::vector<std::string> suffixes;
    for (const auto& s : allowedSuffixes) {
        suffixes.push_back(asciiLower(s));
    }
    return ProfileInstance{std::move(*tmpl), std::move(suffixes)};
}

}  // namespace legate::profiles
