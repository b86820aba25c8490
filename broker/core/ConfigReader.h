#pragma once
/// Reads a JSON configuration document and reports EVERY problem with the JSON path
/// (RFC 6901 pointer) of the offending field, e.g. `/tenants/0/star/min-lifetime:
/// expected an integer >= 1, got "ten"`.
///
/// Usage: walk the document with the typed accessors; each accessor records a problem
/// and returns a default when the field is missing or wrong, so one pass collects all
/// problems.  `finish()` also reports members nobody asked for (typos are errors).
///
///     ConfigReader r(doc);
///     auto port = r.root().integer("port", 1, 65535);
///     auto tenants = r.root().array("tenants");
///     for (auto& t : tenants) { auto name = t.string("name"); }
///     if (auto problems = r.finish(); !problems.empty()) ...

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/core/MessageText.h"  // jsonPointerToken

namespace legate {

class ConfigReader;

/// A view of one JSON value at a known path.
class ConfigNode {
public:
    const std::string& path() const { return path_; }
    const nlohmann::json& json() const { return *value_; }
    bool isObject() const { return value_->is_object(); }

    bool has(const std::string& member) const;

    /// Required members: a problem when missing or of the wrong type.
    std::string string(const std::string& member) const;
    int64_t integer(const std::string& member, int64_t min, int64_t max) const;
    bool boolean(const std::string& member) const;
    ConfigNode object(const std::string& member) const;
    std::vector<ConfigNode> array(const std::string& member, bool allowEmpty = false) const;
    std::vector<std::string> strings(const std::string& member, bool allowEmpty = false) const;

    /// Optional members: the fallback when missing, a problem when present but wrong.
    std::string string(const std::string& member, const std::string& fallback) const;
    int64_t integer(const std::string& member, int64_t min, int64_t max, int64_t fallback) const;
    bool boolean(const std::string& member, bool fallback) const;
    std::optional<ConfigNode> optionalObject(const std::string& member) const;
    std::vector<std::string> strings(const std::string& member,
                                     const std::vector<std::string>& fallback) const;

    /// Records a problem at this node (or at one of its members).
    void fail(const std::string& message) const;
    void fail(const std::string& member, const std::string& message) const;

    /// Marks a member as known without reading it (e.g. passed on verbatim).
    void accept(const std::string& member) const;

private:
    friend class ConfigReader;
    ConfigNode(ConfigReader* reader, const nlohmann::json* value, std::string path);
    const nlohmann::json* member(const std::string& name, const char* expected) const;
    std::string childPath(const std::string& member) const;

    ConfigReader* reader_;
    const nlohmann::json* value_;
    std::string path_;
};

class ConfigReader {
public:
    explicit ConfigReader(const nlohmann::json& document);

    ConfigNode root();
    /// Adds "unknown member" problems for every member of a visited object that no
    /// accessor asked for, then returns all problems as "path: message" lines.
    std::vector<std::string> finish();

private:
    friend class ConfigNode;
    void record(const std::string& path, const std::string& message);
    void touch(const std::string& objectPath, const nlohmann::json* object,
               const std::string& member);

    const nlohmann::json& document_;
    std::vector<std::string> problems_;
    struct Visited {
        const nlohmann::json* object;
        std::set<std::string> used;
    };
    std::map<std::string, Visited> visited_;  // by object path
};

}  // namespace legate
