#pragma once
/// One Redis reply as an owned C++ value, so no caller ever sees a hiredis type.
///
/// A reply is what the server said, including an error reply ("-ERR ..."): those are
/// values too, because a pipeline or a script legitimately mixes them with results.
/// Transport failures (timeouts, a dead connection) never become a RedisReply; they
/// travel as the Problem of a Result.  `rejectErrorReply` turns an error reply into a
/// Problem for callers that treat every server error as a failure.
///
/// The accessors never assert: a reply is external input, so asking for the wrong
/// type yields an empty optional / empty value instead of a crash.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/Result.h"

namespace legate::store {

class RedisReply {
public:
    enum class Type { Nil, Integer, String, Status, Error, Array };

    /// A nil reply (missing key, "$-1" or "*-1").
    RedisReply() = default;
    static RedisReply nil() { return RedisReply(); }
    static RedisReply integer(int64_t value);
    /// A bulk string; binary-safe (may contain NUL bytes).
    static RedisReply string(std::string value);
    /// A simple status such as "OK" or "PONG".
    static RedisReply status(std::string value);
    /// An error reply such as "NOSCRIPT No matching script...".
    static RedisReply error(std::string message);
    static RedisReply array(std::vector<RedisReply> elements);

    Type type() const { return type_; }
    bool isNil() const { return type_ == Type::Nil; }
    bool isInteger() const { return type_ == Type::Integer; }
    bool isString() const { return type_ == Type::String; }
    bool isStatus() const { return type_ == Type::Status; }
    bool isError() const { return type_ == Type::Error; }
    bool isArray() const { return type_ == Type::Array; }
    /// A status reply equal to `expected` (e.g. isStatus("OK")).
    bool isStatus(std::string_view expected) const { return isStatus() && text_ == expected; }
    /// An error reply whose first word (the error code) is `code`, e.g. "NOSCRIPT".
    bool isErrorCode(std::string_view code) const;

    /// The integer of an integer reply; nullopt otherwise.
    std::optional<int64_t> asInteger() const;
    /// The bytes of a bulk string or status reply; nullopt otherwise (nil included).
    std::optional<std::string> asString() const;
    /// The bytes of a string, status or error reply; "" for other types.
    const std::string& text() const { return text_; }
    /// The elements of an array reply; empty for other types.
    const std::vector<RedisReply>& elements() const { return elements_; }

    /// A short, printable form for logs and test failures, e.g. `["a", 1, nil]`.
    /// Strings are quoted and non-printable bytes escaped.
    std::string toString() const;

    bool operator==(const RedisReply&) const = default;

private:
    Type type_ = Type::Nil;
    int64_t integer_ = 0;
    std::string text_;
    std::vector<RedisReply> elements_;
};

std::string_view replyTypeName(RedisReply::Type type);

/// Passes a successful non-error reply through; an error reply becomes a
/// serverInternal Problem "redis: <message>".  Transport problems pass unchanged.
Result<RedisReply> rejectErrorReply(Result<RedisReply> reply);

}  // namespace legate::store
