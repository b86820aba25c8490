#include "broker/store/LuaScript.h"

#include "broker/crypto/Digest.h"

namespace legate::store {
namespace {

acme::Problem redisProblem(const std::string& detail) {
    return acme::Problem::make(acme::ErrorType::serverInternal, "redis: " + detail);
}

}  // namespace

std::string sha1Hex(std::string_view data) {
    // SHA1 of a memory buffer cannot fail short of memory exhaustion; an empty result
    // then surfaces as a NOSCRIPT/ERR reply rather than a crash.
    return crypto::toHex(crypto::digest(crypto::HashAlgorithm::Sha1, data));
}

LuaScript::LuaScript(std::string source) : source_(std::move(source)), sha1_(sha1Hex(source_)) {}

std::vector<std::string> LuaScript::evalshaCommand(const std::vector<std::string>& keys,
                                                   const std::vector<std::string>& args) const {
    std::vector<std::string> command;
    command.reserve(3 + keys.size() + args.size());
    command.push_back("EVALSHA");
    command.push_back(sha1_);
    command.push_back(std::to_string(keys.size()));
    command.insert(command.end(), keys.begin(), keys.end());
    command.insert(command.end(), args.begin(), args.end());
    return command;
}

Status LuaScript::checkLoaded(const Result<RedisReply>& loaded) const {
    if (!loaded) {
        return loaded.problem();
    }
    if (loaded->asString() != sha1_) {
        return redisProblem("SCRIPT LOAD answered " + loaded->toString() + ", expected " + sha1_);
    }
    return okStatus();
}

Result<RedisReply> LuaScript::run(RedisPool& pool, const std::vector<std::string>& keys,
                                  const std::vector<std::string>& args, Retry retry) const {
    const auto command = evalshaCommand(keys, args);
    auto reply = pool.command(command, retry);
    if (!reply || !reply->isErrorCode("NOSCRIPT")) {
        return reply;
    }
    // SCRIPT LOAD is idempotent, so it may always be retried.
    LEGATE_TRY(checkLoaded(pool.command({"SCRIPT", "LOAD", source_}, Retry::Once)));
    return pool.command(command, retry);
}

Result<RedisReply> LuaScript::run(RedisConnection& connection, const std::vector<std::string>& keys,
                                  const std::vector<std::string>& args) const {
    const auto command = evalshaCommand(keys, args);
    auto reply = connection.command(command);
    if (!reply || !reply->isErrorCode("NOSCRIPT")) {
        return reply;
    }
    LEGATE_TRY(checkLoaded(connection.command({"SCRIPT", "LOAD", source_})));
    return connection.command(command);
}

}  // namespace legate::store
