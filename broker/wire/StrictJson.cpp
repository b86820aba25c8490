#include "broker/wire/StrictJson.h"

#include <string>
#include <vector>

namespace legate::wire {
namespace {

using acme::ErrorType;
using acme::Problem;
using nlohmann::json;

/// A SAX handler that builds the DOM like nlohmann's own, but stops at the first
/// duplicate member or at the depth limit (returning false from a SAX event aborts
/// the parse without an exception).
class StrictSax {
public:
    explicit StrictSax(size_t maxDepth) : maxDepth_(maxDepth) {}

    bool null() { return add(json(nullptr)); }
    bool boolean(bool v) { return add(json(v)); }
    bool number_integer(json::number_integer_t v) { return add(json(v)); }
    bool number_unsigned(json::number_unsigned_t v) { return add(json(v)); }
    bool number_float(json::number_float_t v, const json::string_t&) { return add(json(v)); }
    bool string(json::string_t& v) { return add(json(std::move(v))); }
    bool binary(json::binary_t&) {
        return fail("binary values are not JSON");  // only reachable for CBOR & co.
    }

    bool start_object(std::size_t) { return open(json::object()); }
    bool key(json::string_t& name) {
        json& object = *stack_.back();
        if (object.contains(name)) {
            return fail("duplicate object member \"" + printable(name) + "\"");
        }
        key_ = std::move(name);
        return true;
    }
    bool end_object() {
        stack_.pop_back();
        return true;
    }
    bool start_array(std::size_t) { return open(json::array()); }
    bool end_array() {
        stack_.pop_back();
        return true;
    }

    bool parse_error(std::size_t position, const std::string&, const json::exception& ex) {
        // nlohmann's message starts with "[json.exception.parse_error.101] "; keep the rest.
        std::string what = ex.what();
        if (const auto bracket = what.find("] ");
            what.starts_with("[json.exception.") && bracket != std::string::npos) {
            what.erase(0, bracket + 2);
        }
        if (error_.empty()) {
            error_ = what + " (byte " + std::to_string(position) + ")";
        }
        return false;
    }

    json& root() { return root_; }
    const std::string& error() const { return error_; }

private:
    /// Keys in a detail are truncated and stripped of control characters.
    static std::string printable(const std::string& s) {
        std::string out;
        for (char c : s) {
            if (out.size() >= 64) {
                out += "...";
                break;
            }
            out += (static_cast<unsigned char>(c) < 0x20 || c == '"') ? '?' : c;
        }
        return out;
    }

    bool fail(std::string why) {
        if (error_.empty()) {
            error_ = std::move(why);
        }
        return false;
    }

    /// Places `value` where the parser is: the root, the next array element, or the
    /// member named by the last key.  Returns where it now lives.
    json* place(json&& value) {
        if (stack_.empty()) {
            root_ = std::move(value);
            return &root_;
        }
        json& parent = *stack_.back();
        if (parent.is_array()) {
            parent.push_back(std::move(value));
            return &parent.back();
        }
        json& slot = parent[key_];
        slot = std::move(value);
        return &slot;
    }

    bool add(json&& value) {
        place(std::move(value));
        return true;
    }

    bool open(json&& container) {
        if (stack_.size() >= maxDepth_) {
            return fail("nesting deeper than " + std::to_string(maxDepth_) + " levels");
        }
        stack_.push_back(place(std::move(container)));
        return true;
    }

    size_t maxDepth_;
    json root_;
    std::vector<json*> stack_;
    std::string key_;
    std::string error_;
};

Problem malformed(std::string detail) {
    return Problem::make(ErrorType::malformed, "invalid JSON: " + std::move(detail));
}

}  // namespace

std::optional<size_t> findInvalidUtf8(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        // RFC 3629 §4: the lead byte fixes the length and the range of the second byte.
        size_t len = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            lo = c == 0xE0 ? 0xA0 : 0x80;  // no overlong 3-byte forms
            hi = c == 0xED ? 0x9F : 0xBF;  // no UTF-16 surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            lo = c == 0xF0 ? 0x90 : 0x80;  // no overlong 4-byte forms
            hi = c == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
        } else {
            return i;  // continuation byte without a lead, overlong C0/C1, or F5..FF
        }
        if (i + len > n || s[i + 1] < lo || s[i + 1] > hi) {
            return i;
        }
        for (size_t k = 2; k < len; ++k) {
            if (s[i + k] < 0x80 || s[i + k] > 0xBF) {
                return i;
            }
        }
        i += len;
    }
    return std::nullopt;
}

Result<nlohmann::json> parseStrictJson(std::string_view text, const JsonLimits& limits) {
    if (text.size() > limits.maxBytes) {
        return malformed("document of " + std::to_string(text.size()) + " bytes exceeds the " +
                         std::to_string(limits.maxBytes) + "-byte limit");
    }
    if (text.starts_with("\xEF\xBB\xBF")) {
        return malformed("byte-order mark before the value");
    }
    if (const auto bad = findInvalidUtf8(text)) {
        return malformed("ill-formed UTF-8 at byte " + std::to_string(*bad));
    }
    StrictSax sax(limits.maxDepth);
    bool ok = false;
    try {
        ok = json::sax_parse(text.begin(), text.end(), &sax, json::input_format_t::json,
                             /*strict=*/true, /*ignore_comments=*/false);
    } catch (const json::exception& ex) {
        // sax_parse reports syntax errors through parse_error(); this is belt and braces.
        return malformed(ex.what());
    }
    if (!ok) {
        return malformed(sax.error().empty() ? "parse failed" : sax.error());
    }
    return std::move(sax.root());
}

}  // namespace legate::wire
