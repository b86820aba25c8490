#include "broker/core/ConfigReader.h"

namespace legate {
namespace {

std::string describe(const nlohmann::json& v) {
    switch (v.type()) {
        case nlohmann::json::value_t::null:
            return "null";
        case nlohmann::json::value_t::boolean:
            return v.get<bool>() ? "true" : "false";
        case nlohmann::json::value_t::string: {
            std::string s = v.get<std::string>();
            if (s.size() > 40) {
                s = s.substr(0, 40) + "...";
            }
            return nlohmann::json(s).dump();
        }
        case nlohmann::json::value_t::object:
            return "an object";
        case nlohmann::json::value_t::array:
            return "an array";
        default:
            return v.dump();
    }
}

}  // namespace

// ---- ConfigReader ----

ConfigReader::ConfigReader(const nlohmann::json& document) : document_(document) {}

ConfigNode ConfigReader::root() {
    ConfigNode node(this, &document_, "");
    if (!document_.is_object()) {
        record("/", "expected a JSON object, got " + describe(document_));
    }
    return node;
}

void ConfigReader::record(const std::string& path, const std::string& message) {
    problems_.push_back((path.empty() ? "/" : path) + ": " + message);
}

void ConfigReader::touch(const std::string& objectPath, const nlohmann::json* object,
                         const std::string& member) {
    auto& v = visited_[objectPath];
    v.object = object;
    v.used.insert(member);
}

std::vector<std::string> ConfigReader::finish() {
    for (const auto& [path, visited] : visited_) {
        if (visited.object == nullptr || !visited.object->is_object()) {
            continue;
        }
        for (const auto& [name, value] : visited.object->items()) {
            if (!visited.used.contains(name)) {
                record(path + "/" + jsonPointerToken(name), "unknown member");
            }
        }
    }
    visited_.clear();
    return problems_;
}

// ---- ConfigNode ----

ConfigNode::ConfigNode(ConfigReader* reader, const nlohmann::json* value, std::string path)
    : reader_(reader), value_(value), path_(std::move(path)) {
    if (value_->is_object()) {
        auto& v = reader_->visited_[path_];
        v.object = value_;
    }
}

std::string ConfigNode::childPath(const std::string& member) const {
    return path_ + "/" + jsonPointerToken(member);
}

bool ConfigNode::has(const std::string& member) const {
    return value_->is_object() && value_->contains(member);
}

void ConfigNode::fail(const std::string& message) const {
    reader_->record(path_, message);
}

void ConfigNode::fail(const std::string& member, const std::string& message) const {
    reader_->record(childPath(member), message);
}

void ConfigNode::accept(const std::string& member) const {
    reader_->touch(path_, value_, member);
}

const nlohmann::json* ConfigNode::member(const std::string& name, const char* expected) const {
    if (!value_->is_object()) {
        return nullptr;  // the parent already reported the wrong type
    }
    reader_->touch(path_, value_, name);
    auto it = value_->find(name);
    if (it == value_->end()) {
        reader_->record(childPath(name), std::string("missing; expected ") + expected);
        return nullptr;
    }
    return &*it;
}

std::string ConfigNode::string(const std::string& name) const {
    const auto* v = member(name, "a string");
    if (v == nullptr) {
        return {};
    }
    if (!v->is_string() || v->get<std::string>().empty()) {
        reader_->record(childPath(name), "expected a non-empty string, got " + describe(*v));
        return {};
    }
    return v->get<std::string>();
}

int64_t ConfigNode::integer(const std::string& name, int64_t min, int64_t max) const {
    const auto* v = member(name, "an integer");
    if (v == nullptr) {
        return min;
    }
    if (!v->is_number_integer() || v->get<int64_t>() < min || v->get<int64_t>() > max) {
        reader_->record(childPath(name), "expected an integer from " + std::to_string(min) +
                                             " to " + std::to_string(max) + ", got " +
                                             describe(*v));
        return min;
    }
    return v->get<int64_t>();
}

bool ConfigNode::boolean(const std::string& name) const {
    const auto* v = member(name, "true or false");
    if (v == nullptr) {
        return false;
    }
    if (!v->is_boolean()) {
        reader_->record(childPath(name), "expected true or false, got " + describe(*v));
        return false;
    }
    return v->get<bool>();
}

ConfigNode ConfigNode::object(const std::string& name) const {
    static const nlohmann::json kEmpty = nlohmann::json::object();
    const auto* v = member(name, "an object");
    if (v == nullptr) {
        return ConfigNode(reader_, &kEmpty, childPath(name));
    }
    if (!v->is_object()) {
        reader_->record(childPath(name), "expected an object, got " + describe(*v));
    }
    return ConfigNode(reader_, v, childPath(name));
}

std::vector<ConfigNode> ConfigNode::array(const std::string& name, bool allowEmpty) const {
    const auto* v = member(name, "an array");
    std::vector<ConfigNode> out;
    if (v == nullptr) {
        return out;
    }
    if (!v->is_array()) {
        reader_->record(childPath(name), "expected an array, got " + describe(*v));
        return out;
    }
    if (v->empty() && !allowEmpty) {
        reader_->record(childPath(name), "must not be empty");
    }
    for (size_t i = 0; i < v->size(); ++i) {
        out.push_back(ConfigNode(reader_, &(*v)[i], childPath(name) + "/" + std::to_string(i)));
    }
    return out;
}

std::vector<std::string> ConfigNode::strings(const std::string& name, bool allowEmpty) const {
    std::vector<std::string> out;
    for (const auto& item : array(name, allowEmpty)) {
        if (!item.json().is_string() || item.json().get<std::string>().empty()) {
            reader_->record(item.path(),
                            "expected a non-empty string, got " + describe(item.json()));
            continue;
        }
        out.push_back(item.json().get<std::string>());
    }
    return out;
}

std::string ConfigNode::string(const std::string& name, const std::string& fallback) const {
    return has(name) ? string(name) : (accept(name), fallback);
}

int64_t ConfigNode::integer(const std::string& name, int64_t min, int64_t max,
                            int64_t fallback) const {
    return has(name) ? integer(name, min, max) : (accept(name), fallback);
}

bool ConfigNode::boolean(const std::string& name, bool fallback) const {
    return has(name) ? boolean(name) : (accept(name), fallback);
}

std::optional<ConfigNode> ConfigNode::optionalObject(const std::string& name) const {
    if (!has(name)) {
        accept(name);
        return std::nullopt;
    }
    return object(name);
}

std::vector<std::string> ConfigNode::strings(const std::string& name,
                                             const std::vector<std::string>& fallback) const {
    return has(name) ? strings(name, true) : (accept(name), fallback);
}

}  // namespace legate
