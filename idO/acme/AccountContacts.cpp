#include "idO/acme/AccountContacts.h"

#include <cctype>
#include <string_view>

namespace legate::ido {
namespace {

using acme::ErrorType;
using acme::Problem;

constexpr std::string_view kMailto = "mailto:";
constexpr size_t kMaxAddressLength = 254;  // RFC 5321 §4.5.3.1.3 path limit

/// RFC 5322 atext (the characters of a dot-atom), without '%' (no percent-escapes:
/// they would hide ',' or '?' from the checks below).
bool atext(char c) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
        return true;
    }
    return std::string_view("!#$&'*+-/=^_`{|}~").find(c) != std::string_view::npos;
}

/// A dot-atom: atext runs separated by single dots, no leading or trailing dot.
bool dotAtom(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') {
        return false;
    }
    char previous = 0;
    for (const char c : s) {
        if (c == '.' ? previous == '.' : !atext(c)) {
            return false;
        }
        previous = c;
    }
    return true;
}

/// A DNS host name of at least two labels: letters, digits, inner hyphens.
bool hostName(std::string_view s) {
    if (s.empty() || s.size() > 253 || s.find('.') == std::string_view::npos) {
        return false;
    }
    size_t start = 0;
    while (start <= s.size()) {
        const size_t dot = std::min(s.find('.', start), s.size());
        const auto label = s.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
            return false;
        }
        for (const char c : label) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
                return false;
            }
        }
        start = dot + 1;
    }
    return true;
}

Status checkContact(const std::string& url) {
    const auto colon = url.find(':');
    if (colon == std::string::npos || colon == 0) {
        return Problem::make(ErrorType::invalidContact, "contact is not a URL: " + url);
    }
    std::string scheme = url.substr(0, colon + 1);
    for (auto& c : scheme) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (scheme != kMailto) {
        return Problem::make(ErrorType::unsupportedContact, "only mailto: contacts are supported");
    }
    const std::string_view address = std::string_view(url).substr(kMailto.size());
    if (address.find('?') != std::string_view::npos) {
        return Problem::make(ErrorType::invalidContact, "mailto contact must not have hfields");
    }
    if (address.find(',') != std::string_view::npos) {
        return Problem::make(ErrorType::invalidContact,
                             "mailto contact must be exactly one address");
    }
    const auto at = address.rfind('@');
    if (address.size() > kMaxAddressLength || at == std::string_view::npos ||
        !dotAtom(address.substr(0, at)) || !hostName(address.substr(at + 1))) {
        return Problem::make(ErrorType::invalidContact,
                             "mailto contact is not a valid email address");
    }
    return okStatus();
}

}  // namespace

Result<std::vector<std::string>> parseContacts(const nlohmann::json& value) {
    if (!value.is_array()) {
        return Problem::make(ErrorType::malformed, "contact must be an array of URLs");
    }
    if (value.size() > kMaxContacts) {
        return Problem::make(ErrorType::malformed, "at most " + std::to_string(kMaxContacts) +
                                                       " contact URLs are accepted");
    }
    std::vector<std::string> contacts;
    for (const auto& entry : value) {
        if (!entry.is_string()) {
            return Problem::make(ErrorType::malformed, "contact must be an array of URLs");
        }
        LEGATE_TRY(checkContact(entry.get<std::string>()));
        contacts.push_back(entry.get<std::string>());
    }
    return contacts;
}

}  // namespace legate::ido
