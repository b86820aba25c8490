#include "broker/log/Logger.h"

#include <Poco/Message.h>

#include "broker/log/JsonFormatter.h"

namespace legate::log {

Logger::Logger(const std::string& component) : logger_(&Poco::Logger::get(component)) {}

bool Logger::enabled(Level level) const {
    return logger_->is(toPriority(level));
}

void Logger::write(Level level, std::string_view message, const Fields& fields) const {
    if (!enabled(level)) {
        return;
    }
    Poco::Message msg(logger_->name(), std::string(message), toPriority(level));
    if (!fields.empty()) {
        nlohmann::ordered_json object = nlohmann::ordered_json::object();
        for (const auto& f : fields) {
            object[f.name] = f.value;
        }
        msg.set(std::string(kFieldsParameter),
                object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    logger_->log(msg);
}

}  // namespace legate::log
