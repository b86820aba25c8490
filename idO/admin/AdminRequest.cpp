#include "idO/admin/AdminRequest.h"

#include <algorithm>
#include <string>

#include "broker/core/MessageText.h"
#include "broker/http/Headers.h"
#include "broker/wire/StrictJson.h"

namespace legate::ido {
namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

}  // namespace

acme::Problem badRequest(std::string detail) {
    return acme::Problem::make(acme::ErrorType::malformed, std::move(detail), 400);
}

acme::Problem notFound(std::string detail) {
    return acme::Problem::make(acme::ErrorType::malformed, std::move(detail), 404);
}

Result<nlohmann::json> jsonObjectBody(http::Request& request) {
    const auto contentType = request.header("Content-Type");
    std::string_view mediaType = contentType ? std::string_view(*contentType) : "";
    mediaType = trim(mediaType.substr(0, mediaType.find(';')));
    if (!http::equalsIgnoreCase(mediaType, "application/json")) {
        return acme::Problem::make(acme::ErrorType::malformed,
                                   "the request body must be Content-Type: application/json", 415);
    }
    auto body = request.body();
    LEGATE_TRY(body);
    auto doc = wire::parseStrictJson(*body);
    LEGATE_TRY(doc);
    if (!doc->is_object()) {
        return badRequest("the request body must be a JSON object");
    }
    return std::move(doc).value();
}

Status onlyMembers(const nlohmann::json& object, std::initializer_list<std::string_view> known,
                   std::string_view where) {
    for (const auto& [name, value] : object.items()) {
        if (std::find(known.begin(), known.end(), name) == known.end()) {
            return badRequest("unknown member " + quotedForMessage(name) + " in " +
                              std::string(where));
        }
    }
    return okStatus();
}

}  // namespace legate::ido
