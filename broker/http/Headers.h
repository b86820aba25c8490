#pragma once
/// HTTP header fields as a list: names compare case-insensitively (RFC 9110 §5.1) and a
/// name may repeat (several `Link` values), in the order they were added or received.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace legate::http {

class Headers {
public:
    using Entry = std::pair<std::string, std::string>;

    Headers() = default;
    Headers(std::initializer_list<Entry> entries) : entries_(entries) {}

    /// Appends one more value for `name` (keeps earlier ones).
    void add(std::string name, std::string value);
    /// Replaces every value of `name` with this one.
    void set(const std::string& name, std::string value);
    void remove(std::string_view name);

    /// The first value of `name`, if any.
    std::optional<std::string> get(std::string_view name) const;
    /// Every value of `name`, in order (one per header line received or added).
    std::vector<std::string> getAll(std::string_view name) const;
    bool has(std::string_view name) const { return get(name).has_value(); }

    const std::vector<Entry>& entries() const { return entries_; }
    bool empty() const { return entries_.empty(); }
    void clear() { entries_.clear(); }

private:
    std::vector<Entry> entries_;
};

/// ASCII case-insensitive equality, for header names and tokens.
bool equalsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace legate::http
