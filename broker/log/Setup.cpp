#include "broker/log/Setup.h"

#include <iostream>

#include <Poco/ConsoleChannel.h>
#include <Poco/Exception.h>
#include <Poco/FileChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>

#include "broker/log/JsonFormatter.h"

namespace legate::log {

void setup(Level level, Poco::AutoPtr<Poco::Channel> channel) {
    Poco::AutoPtr<Poco::Formatter> formatter(new JsonFormatter);
    Poco::AutoPtr<Poco::Channel> formatting(new Poco::FormattingChannel(formatter, channel));
    formatting->open();
    // The root logger is made here if it does not exist yet (new loggers copy its
    // channel and level); "" is also a prefix of every other name, so the loggers that
    // already exist are changed too.
    Poco::Logger::root().setChannel(formatting);
    Poco::Logger::setChannel("", formatting);
    setLevel(level);
}

void setup(Level level, std::ostream& out) {
    setup(level, Poco::AutoPtr<Poco::Channel>(new Poco::ConsoleChannel(out)));
}

Status setup(Level level, const std::string& destination) {
    if (destination == "stderr" || destination.empty()) {
        setup(level, std::clog);
        return okStatus();
    }
    if (destination == "stdout") {
        setup(level, std::cout);
        return okStatus();
    }
    Poco::AutoPtr<Poco::FileChannel> file(new Poco::FileChannel);
    try {
        file->setProperty(Poco::FileChannel::PROP_PATH, destination);
        file->setProperty(Poco::FileChannel::PROP_FLUSH, "true");
        file->open();
    } catch (const Poco::Exception& e) {
        return acme::Problem::make(acme::ErrorType::serverInternal,
                                   "cannot open log file " + destination + ": " + e.displayText());
    }
    setup(level, Poco::AutoPtr<Poco::Channel>(file));
    return okStatus();
}

void setLevel(Level level) {
    Poco::Logger::root().setLevel(toPriority(level));
    Poco::Logger::setLevel("", toPriority(level));
}

}  // namespace legate::log
