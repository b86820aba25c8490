#pragma once
/// Turns outside JSON into a validated CsrTemplate, or into the complete list of what is
/// wrong with it, each problem with its JSON Pointer (RFC 6901) path.
///
/// Validation happens when a template is loaded or created (digest ambiguity A11), so
/// the CSR matcher can rely on the model: every token known, every combination
/// acceptable.  The checks are the CDDL of RFC 9115 Appendix A plus the constraints it
/// cannot express (RFC 9115 §4.1): curve/hash pairing, RSA >= 2048 bits, SAN values
/// compatible with their type, no duplicates.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/Result.h"
#include "profiles/CsrTemplate.h"

namespace legate::profiles {

/// One thing wrong with a template.
struct TemplateIssue {
    std::string path;     ///< JSON Pointer, "" for the document itself
    std::string message;  ///< what is wrong, e.g. "unknown member"
    std::string toString() const { return (path.empty() ? "/" : path) + ": " + message; }
    bool operator==(const TemplateIssue&) const = default;
};

class TemplateParser {
public:
    /// Every problem in `doc`, in document order; empty means valid.
    static std::vector<TemplateIssue> validate(const nlohmann::json& doc);

    /// The template, or a `malformed` problem (status 400) listing every issue in its
    /// detail and once more as subproblems (one per issue).
    static Result<CsrTemplate> parse(const nlohmann::json& doc);

    /// parse() on JSON text, refusing duplicate members (see JsonText.h).
    static Result<CsrTemplate> parseText(std::string_view text);

    /// The problem document parse() returns for `issues` (non-empty).
    static acme::Problem toProblem(const std::vector<TemplateIssue>& issues);
};

}  // namespace legate::profiles
