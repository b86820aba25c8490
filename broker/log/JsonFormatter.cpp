#include "broker/log/JsonFormatter.h"

#include <array>
#include <cstdio>
#include <ctime>

#include <Poco/Timestamp.h>
#include <nlohmann/json.hpp>

#include "broker/log/Level.h"
#include "broker/log/Redaction.h"

namespace legate::log {
namespace {

constexpr std::array<std::string_view, 4> kReserved = {"time", "level", "component", "message"};

bool isReserved(const std::string& name) {
    for (auto r : kReserved) {
        if (name == r) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::string rfc3339Millis(const Poco::Timestamp& time) {
    const Poco::Timestamp::TimeVal micros = time.epochMicroseconds();
    std::time_t secs = static_cast<std::time_t>(micros / 1'000'000);
    long millis = static_cast<long>((micros % 1'000'000) / 1000);
    if (millis < 0) {  // before 1970: keep the fraction positive
        --secs;
        millis += 1000;
    }
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
    return buf;
}

void JsonFormatter::format(const Poco::Message& msg, std::string& text) {
    nlohmann::ordered_json line;
    line["time"] = rfc3339Millis(msg.getTime());
    line["level"] = priorityName(msg.getPriority());
    line["component"] = msg.getSource();
    line["message"] = msg.getText();
    const std::string fieldsParam(kFieldsParameter);
    if (msg.has(fieldsParam)) {
        const auto fields =
            redact(nlohmann::ordered_json::parse(msg.get(fieldsParam), nullptr, false));
        if (fields.is_object()) {
            for (const auto& [name, value] : fields.items()) {
                // A field may not overwrite the line's own members.
                line[isReserved(name) ? "field." + name : name] = value;
            }
        }
    }
    text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace legate::log
