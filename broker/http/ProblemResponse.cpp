#include "broker/http/ProblemResponse.h"

#include "broker/crypto/OpenSsl.h"
#include "broker/log/Logger.h"

namespace legate::http {
std::string newCorrelationId() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id;
    for (unsigned char b : crypto::randomBytes(8)) {
        id.push_back(kHex[b >> 4]);
        id.push_back(kHex[b & 0xf]);
    }
    return id;
}

bool isInternalProblem(const acme::Problem& problem) {
    return problem.type == acme::ErrorType::serverInternal || problem.status >= 500;
}

acme::Problem clientProblem(const acme::Problem& problem, std::string_view correlationId) {
    if (!isInternalProblem(problem)) {
        return problem;
    }
    const int status = problem.status >= 500 && problem.status <= 599 ? problem.status : 500;
    return acme::Problem::make(acme::ErrorType::serverInternal,
                               "internal server error (correlation id " +
                                   std::string(correlationId) +
                                   "); the server's log has the details",
                               status);
}

Response problemResponse(const acme::Problem& problem, std::string_view correlationId) {
    acme::Problem sent = problem;
    if (isInternalProblem(problem)) {
        const std::string id =
            correlationId.empty() ? newCorrelationId() : std::string(correlationId);
        static const log::Logger log("http");
        log.error("internal problem answered to a client", {{"correlation_id", id},
                                                            {"type", problem.urn()},
                                                            {"status", problem.status},
                                                            {"detail", problem.detail}});
        sent = clientProblem(problem, id);
    }
    if (sent.status < 400 || sent.status > 599) {
        sent.status = 500;
    }
    Response r(sent.status);
    r.body(sent.toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
           acme::kProblemContentType);
    return r;
}

}  // namespace legate::http
