#pragma once
/// The bundled template profiles (profiles/templates/*.json): RFC 9115 CSR templates
/// with a hole where the delegated names go, which an operator instantiates with names.
///
/// Profile file format: an ordinary RFC 9115 template whose
/// `extensions.subjectAltName.DNS` array holds the element "{names}" (kNamesPlaceholder)
/// exactly once.  Instantiation replaces that element, in place, by the operator's names;
/// a name may itself be "**" or "*" (an NDC-chosen name slot), which then requires at
/// least one allowed suffix.  The result goes through TemplateParser like any other
/// template, so an instance is valid or is refused with JSON paths.
///
/// Where the files are: an explicit directory; else $LEGATE_PROFILES_DIR; else
/// <executable>/../share/legate/profiles (an install); else the source tree
/// (LEGATE_PROFILES_SOURCE_DIR, compiled in).

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/Result.h"
#include "profiles/CsrTemplate.h"

namespace legate::profiles {

inline constexpr std::string_view kNamesPlaceholder = "{names}";
inline constexpr std::string_view kProfilesDirEnv = "LEGATE_PROFILES_DIR";

/// A concrete template plus the local policy its NDC-chosen names are checked against.
struct ProfileInstance {
    CsrTemplate csrTemplate;
    /// Allowed suffixes for names the NDC picks for "**"/"*" slots (MatchContext).
    std::vector<std::string> allowedSuffixes;
};

class ProfileCatalog {
public:
    explicit ProfileCatalog(std::filesystem::path directory) : directory_(std::move(directory)) {}

    /// The catalog at `override` if given, else the first existing directory of the search
    /// order above (the source-tree one even when it does not exist, for the message).
    static ProfileCatalog locate(const std::optional<std::filesystem::path>& override = {});

    const std::filesystem::path& directory() const { return directory_; }

    /// Profile names (file stems), sorted.
    std::vector<std::string> names() const;

    /// The profile's JSON as stored (strict parse).  malformed for an unknown or
    /// ill-named profile (names are [a-z0-9-]+, so no path escapes the directory).
    Result<nlohmann::json> load(std::string_view profile) const;

    /// load() + instantiateDocument().
    Result<ProfileInstance> instantiate(std::string_view profile,
                                        const std::vector<std::string>& names,
                                        const std::vector<std::string>& allowedSuffixes = {}) const;

    /// True when `doc` has the "{names}" placeholder where a profile keeps it.
    static bool isProfile(const nlohmann::json& doc);

    /// Fills the placeholder of a profile document with `names` and validates the result
    /// (and the suffixes).  malformed problem listing every issue.
    static Result<ProfileInstance> instantiateDocument(
        const nlohmann::json& profile, const std::vector<std::string>& names,
        const std::vector<std::string>& allowedSuffixes);

private:
    std::filesystem::path directory_;
};

}  // namespace legate::profiles
