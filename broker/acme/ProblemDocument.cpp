#include "broker/acme/ProblemDocument.h"

#include "broker/wire/StrictJson.h"

namespace legate::acme {

std::optional<Problem> problemDocument(const http::ClientResponse& response, size_t maxBytes) {
    auto json = wire::parseStrictJson(response.body, {.maxBytes = maxBytes});
    if (!json) {
        return std::nullopt;
    }
    auto problem = Problem::fromJson(*json);
    if (problem) {
        problem->status = response.status;
    }
    return problem;
}

}  // namespace legate::acme
