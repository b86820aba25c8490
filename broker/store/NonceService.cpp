#include "broker/store/NonceService.h"

#include "broker/crypto/OpenSsl.h"
#include "broker/wire/Base64Url.h"

namespace legate::store {
namespace {

acme::Problem redisProblem(const std::string& detail) {
    return acme::Problem::make(acme::ErrorType::serverInternal, "redis: " + detail);
}

}  // namespace

NonceService::NonceService(RedisPool& pool, std::string keyPrefix, std::chrono::seconds ttl)
    : pool_(&pool), keyPrefix_(std::move(keyPrefix)), ttl_(ttl) {}

Result<NonceService> NonceService::create(RedisPool& pool, std::string keyPrefix,
                                          std::chrono::seconds ttl) {
    if (ttl.count() <= 0) {
        return acme::Problem::make(acme::ErrorType::malformed, "nonce TTL must be positive");
    }
    return NonceService(pool, std::move(keyPrefix), ttl);
}

Result<std::string> NonceService::issue() {
    const crypto::Bytes random = crypto::randomBytes(kNonceBytes);
    std::string nonce = wire::base64UrlEncode(random);
    auto reply = pool_->command({"SET", keyFor(nonce), "1", "EX", std::to_string(ttl_.count())},
                                Retry::Once);
    if (!reply) {
        return std::move(reply).problem();
    }
    if (!reply->isStatus("OK")) {
        return redisProblem("storing a nonce: SET answered " + reply->toString());
    }
    return nonce;
}

Result<bool> NonceService::consume(std::string_view nonce) {
    if (!wellFormed(nonce)) {
        return false;  // never issued by us: no need to ask Redis
    }
    auto reply = pool_->command({"DEL", keyFor(nonce)}, Retry::Once);
    if (!reply) {
        return std::move(reply).problem();
    }
    const auto deleted = reply->asInteger();
    if (!deleted) {
        return redisProblem("consuming a nonce: DEL answered " + reply->toString());
    }
    return *deleted == 1;
}

bool NonceService::wellFormed(std::string_view nonce) {
    if (nonce.size() != kNonceLength) {
        return false;
    }
    // Strict decoding also refuses non-zero trailing bits, so each nonce has one spelling.
    const auto bytes = wire::base64UrlDecode(nonce);
    return bytes.ok() && bytes->size() == kNonceBytes;
}

}  // namespace legate::store
