#pragma once
/// A Poco::Formatter that turns one Poco::Message into one JSON object on one line:
///
///   {"time":"2026-11-22T17:36:24.123Z","level":"info","component":"acme",
///    "message":"order created","tenant":"t1","order":"o9"}
///
/// `time` is RFC 3339 UTC with milliseconds, `component` is the Poco logger name
/// (Message source), and the structured fields come from the Message parameter
/// `kFieldsParameter` (a JSON object, as written by log::Logger).  Secrets are
/// redacted here, the one place every line passes through, so a caller using
/// Poco::Logger directly is covered too.  Invalid UTF-8 (hostile input echoed in a
/// field) is replaced, never thrown.

#include <string>
#include <string_view>

#include <Poco/Formatter.h>
#include <Poco/Message.h>

namespace legate::log {

/// The Poco::Message parameter that carries the fields, serialised as a JSON object.
inline constexpr std::string_view kFieldsParameter = "legate.fields";

class JsonFormatter : public Poco::Formatter {
public:
    void format(const Poco::Message& msg, std::string& text) override;
};

/// "2026-11-22T17:36:24.123Z" for a Poco timestamp (microseconds since the epoch).
std::string rfc3339Millis(const Poco::Timestamp& time);

}  // namespace legate::log
