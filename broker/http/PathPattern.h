#pragma once
/// A route path pattern such as `/acme/{tenant}/order/{id}`: literal segments and
/// `{name}` parameters, one whole segment each.  No regular expressions, no wildcards,
/// so what a route accepts can be read off the pattern.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace legate::http {

/// Parameter name -> decoded segment value, in pattern order.
using PathParams = std::vector<std::pair<std::string, std::string>>;

/// Splits an absolute request path (query and fragment already removed) into
/// percent-decoded segments; "/a/b%2Fc" -> {"a", "b/c"}.  nullopt when the path does
/// not start with '/'.  Splitting happens before decoding, so an encoded '/' never
/// creates a segment.
std::optional<std::vector<std::string>> splitPath(std::string_view rawPath);

class PathPattern {
public:
    /// nullopt for a pattern that does not start with '/', has an empty `{}`, a brace
    /// inside a segment ("a{b}"), or the same parameter twice.
    static std::optional<PathPattern> parse(std::string_view pattern);

    /// The parameters when `segments` fit the pattern.  A parameter never matches an
    /// empty segment.
    std::optional<PathParams> match(const std::vector<std::string>& segments) const;

    /// True when this pattern should win over `other` where both match: compared
    /// segment by segment from the left, a literal beats a parameter.
    bool moreSpecificThan(const PathPattern& other) const;

    const std::string& text() const { return text_; }

private:
    struct Segment {
        std::string text;  // the literal, or the parameter name
        bool isParam = false;
    };
    std::string text_;
    std::vector<Segment> segments_;
};

}  // namespace legate::http
