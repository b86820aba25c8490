#pragma once
/// Routes errors Poco catches on its own threads (a failed TLS handshake, a connection
/// reset before a request was read) to the JSON log instead of Poco's silent default.
/// Installed process-wide by Server::start (Poco::ErrorHandler is a global).

#include <Poco/ErrorHandler.h>

#include "broker/log/Logger.h"

namespace legate::http {

class PocoErrorLogger : public Poco::ErrorHandler {
public:
    void exception(const Poco::Exception& e) override;
    void exception(const std::exception& e) override;
    void exception() override;

    /// Installs one instance for the process (idempotent, thread-safe).
    static void install();

private:
    log::Logger log_{"http"};
};

}  // namespace legate::http
