#include "broker/http/ProblemResponse.h"

namespace legate::http {

Response problemResponse(const acme::Problem& problem) {
    acme::Problem sent = problem;
    if (sent.status < 400 || sent.status > 599) {
        sent.status = 500;
    }
    Response r(sent.status);
    r.body(sent.toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
           acme::kProblemContentType);
    return r;
}

}  // namespace legate::http
