#include "broker/http/Headers.h"

#include <algorithm>
#include <cctype>

namespace legate::http {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

void Headers::add(std::string name, std::string value) {
    entries_.emplace_back(std::move(name), std::move(value));
}

void Headers::set(const std::string& name, std::string value) {
    remove(name);
    add(name, std::move(value));
}

void Headers::remove(std::string_view name) {
    std::erase_if(entries_, [&](const Entry& e) { return equalsIgnoreCase(e.first, name); });
}

std::optional<std::string> Headers::get(std::string_view name) const {
    for (const auto& [n, v] : entries_) {
        if (equalsIgnoreCase(n, name)) {
            return v;
        }
    }
    return std::nullopt;
}

std::vector<std::string> Headers::getAll(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [n, v] : entries_) {
        if (equalsIgnoreCase(n, name)) {
            out.push_back(v);
        }
    }
    return out;
}

}  // namespace legate::http
