#pragma once
/// A response received by HttpClient.

#include <string>

#include "broker/http/Headers.h"

namespace legate::http {

struct ClientResponse {
    int status = 0;
    /// Every header field of the final response, in order; names case-insensitive,
    /// repeated names kept (`getAll("Link")`).
    Headers headers;
    std::string body;
};

}  // namespace legate::http
