#include "broker/store/RedisReply.h"

#include <cstdio>

namespace legate::store {

RedisReply RedisReply::integer(int64_t value) {
    RedisReply r;
    r.type_ = Type::Integer;
    r.integer_ = value;
    return r;
}

RedisReply RedisReply::string(std::string value) {
    RedisReply r;
    r.type_ = Type::String;
    r.text_ = std::move(value);
    return r;
}

RedisReply RedisReply::status(std::string value) {
    RedisReply r;
    r.type_ = Type::Status;
    r.text_ = std::move(value);
    return r;
}

RedisReply RedisReply::error(std::string message) {
    RedisReply r;
    r.type_ = Type::Error;
    r.text_ = std::move(message);
    return r;
}

RedisReply RedisReply::array(std::vector<RedisReply> elements) {
    RedisReply r;
    r.type_ = Type::Array;
    r.elements_ = std::move(elements);
    return r;
}

bool RedisReply::isErrorCode(std::string_view code) const {
    if (!isError() || !std::string_view(text_).starts_with(code)) {
        return false;
    }
    return text_.size() == code.size() || text_[code.size()] == ' ';
}

std::optional<int64_t> RedisReply::asInteger() const {
    if (!isInteger()) {
        return std::nullopt;
    }
    return integer_;
}

std::optional<std::string> RedisReply::asString() const {
    if (!isString() && !isStatus()) {
        return std::nullopt;
    }
    return text_;
}

namespace {

std::string printable(std::string_view bytes) {
    std::string out = "\"";
    for (const unsigned char c : bytes) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c >= 0x20 && c < 0x7F) {
            out += static_cast<char>(c);
        } else {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    return out + "\"";
}

}  // namespace

std::string RedisReply::toString() const {
    switch (type_) {
        case Type::Nil:
            return "nil";
        case Type::Integer:
            return std::to_string(integer_);
        case Type::String:
            return printable(text_);
        case Type::Status:
            return "+" + text_;
        case Type::Error:
            return "-" + text_;
        case Type::Array: {
            std::string out = "[";
            for (size_t i = 0; i < elements_.size(); ++i) {
                out += (i == 0 ? "" : ", ") + elements_[i].toString();
            }
            return out + "]";
        }
    }
    return "?";
}

std::string_view replyTypeName(RedisReply::Type type) {
    switch (type) {
        case RedisReply::Type::Nil:
            return "nil";
        case RedisReply::Type::Integer:
            return "integer";
        case RedisReply::Type::String:
            return "string";
        case RedisReply::Type::Status:
            return "status";
        case RedisReply::Type::Error:
            return "error";
        case RedisReply::Type::Array:
            return "array";
    }
    return "?";
}

Result<RedisReply> rejectErrorReply(Result<RedisReply> reply) {
    if (reply.ok() && reply->isError()) {
        return acme::Problem::make(acme::ErrorType::serverInternal, "redis: " + reply->text());
    }
    return reply;
}

}  // namespace legate::store
