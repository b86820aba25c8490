#include "broker/http/PocoErrorLogger.h"

#include <Poco/Exception.h>

namespace legate::http {

void PocoErrorLogger::exception(const Poco::Exception& e) {
    // Peers cause these (bad handshakes, resets): worth a line, not an alarm.
    log_.warn("connection error", {{"error", e.displayText()}});
}

void PocoErrorLogger::exception(const std::exception& e) {
    log_.error("unexpected exception on a server thread", {{"error", e.what()}});
}

void PocoErrorLogger::exception() {
    log_.error("unexpected non-standard exception on a server thread");
}

void PocoErrorLogger::install() {
    static PocoErrorLogger handler;  // lives for the process, as Poco requires
    static const bool installed = [] {
        Poco::ErrorHandler::set(&handler);
        return true;
    }();
    (void)installed;
}

}  // namespace legate::http
