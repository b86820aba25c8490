#pragma once
/// Keeps secrets out of logs: any field whose name looks like it holds a secret has
/// its value replaced by "[redacted]", at any depth of a JSON value.
///
/// Matching is on the normalised name (lower case, '_' and '-' removed), so
/// "hmac_key", "hmacKey" and "HMAC-Key" are all caught.  A name is secret when it
/// contains one of: password, passwd, passphrase, secret, privatekey, keypem, hmac,
/// eabkey, apikey, token, authorization, cookie, credential.  Over-redacting
/// (e.g. an ACME challenge "token", which is not secret) is the accepted price.
///
/// Redaction covers field names only.  Message texts are never inspected: callers
/// must not put secrets (keys, tokens, HMACs, Authorization headers) into messages.

#include <string_view>

#include <nlohmann/json.hpp>

namespace legate::log {

inline constexpr std::string_view kRedacted = "[redacted]";

/// True when a field called `name` must not have its value logged.
bool isSecretFieldName(std::string_view name);

/// `value` with every member whose name is secret replaced by "[redacted]", recursively
/// through objects and arrays.  Works for nlohmann::json and nlohmann::ordered_json.
template <class Json>
Json redact(const Json& value) {
    if (value.is_object()) {
        Json out = Json::object();
        for (const auto& [k, v] : value.items()) {
            out[k] = isSecretFieldName(k) ? Json(kRedacted) : redact(v);
        }
        return out;
    }
    if (value.is_array()) {
        Json out = Json::array();
        for (const auto& v : value) {
            out.push_back(redact(v));
        }
        return out;
    }
    return value;
}

}  // namespace legate::log
