#pragma once
/// Structured log fields: the name/value pairs that follow `message` on a log line.
///
/// Values are JSON so numbers, booleans and small objects keep their type in the
/// output.  Call-site order is kept, which is also the order on the line.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace legate::log {

/// One field, e.g. {"tenant", "acme-corp"} or {"attempt", 3}.
struct Field {
    std::string name;
    nlohmann::json value;
};

/// `{{"tenant", t}, {"order", id}}` at a call site.
using Fields = std::vector<Field>;

}  // namespace legate::log
