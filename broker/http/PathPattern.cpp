#include "broker/http/PathPattern.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

namespace legate::http {
namespace {

std::vector<std::string_view> splitRaw(std::string_view path) {
    std::vector<std::string_view> out;
    path.remove_prefix(1);  // the leading '/'
    while (true) {
        const size_t slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) {
            return out;
        }
        path.remove_prefix(slash + 1);
    }
}

}  // namespace

std::optional<std::vector<std::string>> splitPath(std::string_view rawPath) {
    if (rawPath.empty() || rawPath.front() != '/') {
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (std::string_view raw : splitRaw(rawPath)) {
        std::string decoded;
        try {
            Poco::URI::decode(std::string(raw), decoded);
        } catch (const Poco::SyntaxException&) {  // "%zz": not a path we serve
            return std::nullopt;
        }
        out.push_back(std::move(decoded));
    }
    return out;
}

std::optional<PathPattern> PathPattern::parse(std::string_view pattern) {
    if (pattern.empty() || pattern.front() != '/') {
        return std::nullopt;
    }
    PathPattern p;
    p.text_ = std::string(pattern);
    for (std::string_view seg : splitRaw(pattern)) {
        const bool opens = seg.find('{') != std::string_view::npos;
        const bool closes = seg.find('}') != std::string_view::npos;
        if (!opens && !closes) {
            p.segments_.push_back({std::string(seg), false});
            continue;
        }
        if (seg.size() < 3 || seg.front() != '{' || seg.back() != '}' ||
            seg.substr(1, seg.size() - 2).find_first_of("{}") != std::string_view::npos) {
            return std::nullopt;
        }
        std::string name(seg.substr(1, seg.size() - 2));
        for (const auto& s : p.segments_) {
            if (s.isParam && s.text == name) {
                return std::nullopt;
            }
        }
        p.segments_.push_back({std::move(name), true});
    }
    return p;
}

std::optional<PathParams> PathPattern::match(const std::vector<std::string>& segments) const {
    if (segments.size() != segments_.size()) {
        return std::nullopt;
    }
    PathParams params;
    for (size_t i = 0; i < segments.size(); ++i) {
        const Segment& s = segments_[i];
        if (s.isParam) {
            if (segments[i].empty()) {
                return std::nullopt;
            }
            params.emplace_back(s.text, segments[i]);
        } else if (s.text != segments[i]) {
            return std::nullopt;
        }
    }
    return params;
}

bool PathPattern::moreSpecificThan(const PathPattern& other) const {
    const size_t n = std::min(segments_.size(), other.segments_.size());
    for (size_t i = 0; i < n; ++i) {
        if (segments_[i].isParam != other.segments_[i].isParam) {
            return !segments_[i].isParam;
        }
    }
    return false;
}

}  // namespace legate::http
