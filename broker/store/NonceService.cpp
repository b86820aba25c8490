#include "broker/store/NonceService.h"

#include "broker/wire/Base64Url.h"
#include "broker/wire/Eab.h"

namespace legate::store {
namespace {

constexpr size_t kStampBytes = 8;
constexpr size_t kSignedBytes = 16;  // issued-at and random part
constexpr size_t kSecretBytes = 32;

acme::Problem redisProblem(const std::string& detail) {
    return acme::Problem::make(acme::ErrorType::serverInternal, "redis: " + detail);
}

int64_t millisSinceEpoch(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

int64_t periodOf(int64_t millis) {
    return millis / (std::chrono::milliseconds(NonceService::kSecretPeriod).count());
}

}  // namespace

NonceService::NonceService(RedisPool& pool, std::string keyPrefix, std::chrono::seconds ttl,
                           const Clock& clock)
    : pool_(&pool),
      keyPrefix_(std::move(keyPrefix)),
      ttl_(ttl),
      clock_(&clock),
      secrets_(std::make_shared<Secrets>()) {}

Result<NonceService> NonceService::create(RedisPool& pool, std::string keyPrefix,
                                          std::chrono::seconds ttl, const Clock& clock) {
    if (ttl.count() <= 0) {
        return acme::Problem::make(acme::ErrorType::malformed, "nonce TTL must be positive");
    }
    return NonceService(pool, std::move(keyPrefix), ttl, clock);
}

std::string NonceService::secretKey(int64_t period) const {
    return keyPrefix_ + "secret:" + std::to_string(period);
}

std::string NonceService::macInput(const unsigned char* stampAndRandom) const {
    std::string input = keyPrefix_;
    input.append(reinterpret_cast<const char*>(stampAndRandom), kSignedBytes);
    return input;
}

Result<crypto::Bytes> NonceService::secretFor(int64_t period, bool create) {
    {
        std::lock_guard lock(secrets_->mutex);
        if (auto it = secrets_->byPeriod.find(period); it != secrets_->byPeriod.end()) {
            return it->second;
        }
    }
    const std::string key = secretKey(period);
    if (create) {
        // It must outlive its period by the longest lifetime of a nonce it signed.
        const auto expiry = kSecretPeriod + ttl_ + kClockSkew + std::chrono::seconds(60);
        auto made =
            pool_->command({"SET", key, wire::base64UrlEncode(crypto::randomBytes(kSecretBytes)),
                            "NX", "EX", std::to_string(expiry.count())},
                           Retry::Once);
        if (!made) {
            return std::move(made).problem();
        }
    }
    auto reply = pool_->command({"GET", key}, Retry::Once);
    if (!reply) {
        return std::move(reply).problem();
    }
    if (reply->isNil()) {
        return crypto::Bytes{};
    }
    const auto text = reply->asString();
    auto secret = wire::base64UrlDecode(text.value_or(""));
    if (!secret.ok() || secret->size() != kSecretBytes) {
        return redisProblem("the nonce secret " + key + " is not " + std::to_string(kSecretBytes) +
                            " base64url bytes");
    }
    std::lock_guard lock(secrets_->mutex);
    // Secrets older than any live nonce are of no further use.
    const int64_t oldest = period - 2 - ttl_ / kSecretPeriod;
    std::erase_if(secrets_->byPeriod, [oldest](const auto& entry) { return entry.first < oldest; });
    secrets_->byPeriod.emplace(period, *secret);
    return std::move(secret).value();
}

Result<std::string> NonceService::issue() {
    const int64_t now = millisSinceEpoch(clock_->now());
    auto secret = secretFor(periodOf(now), true);
    if (!secret) {
        return std::move(secret).problem();
    }
    crypto::Bytes nonce(kNonceBytes);
    for (size_t i = 0; i < kStampBytes; ++i) {
        nonce[i] = static_cast<unsigned char>(static_cast<uint64_t>(now) >> (8 * (7 - i)));
    }
    const crypto::Bytes random = crypto::randomBytes(kSignedBytes - kStampBytes);
    std::copy(random.begin(), random.end(), nonce.begin() + kStampBytes);
    const crypto::Bytes mac =
        wire::computeMac(wire::MacAlgorithm::HS256, *secret, macInput(nonce.data()));
    if (mac.size() != kNonceBytes - kSignedBytes) {
        return acme::Problem::make(acme::ErrorType::serverInternal, "HMAC of a nonce failed");
    }
    std::copy(mac.begin(), mac.end(), nonce.begin() + kSignedBytes);
    counts_->issued.fetch_add(1, std::memory_order_relaxed);
    return wire::base64UrlEncode(nonce);
}

Result<bool> NonceService::consume(std::string_view nonce) {
    auto fresh = check(nonce);
    if (fresh.ok() && !*fresh) {
        counts_->rejected.fetch_add(1, std::memory_order_relaxed);
    }
    return fresh;
}

Result<bool> NonceService::check(std::string_view nonce) {
    if (nonce.size() != kNonceLength) {
        return false;  // never issued by us: no need to ask Redis
    }
    const auto bytes = wire::base64UrlDecode(nonce);
    if (!bytes.ok() || bytes->size() != kNonceBytes) {
        return false;
    }
    uint64_t stamp = 0;
    for (size_t i = 0; i < kStampBytes; ++i) {
        stamp = (stamp << 8) | (*bytes)[i];
    }
    const auto issued = static_cast<int64_t>(stamp);
    const int64_t now = millisSinceEpoch(clock_->now());
    const int64_t remaining = issued + std::chrono::milliseconds(ttl_).count() - now;
    if (issued < 0 || remaining <= 0 ||
        issued > now + std::chrono::milliseconds(kClockSkew).count()) {
        return false;
    }
    auto secret = secretFor(periodOf(issued), false);
    if (!secret) {
        return std::move(secret).problem();
    }
    if (secret->empty()) {
        return false;
    }
    const std::span<const unsigned char> mac(bytes->data() + kSignedBytes,
                                             kNonceBytes - kSignedBytes);
    if (!wire::verifyMac(wire::MacAlgorithm::HS256, *secret, macInput(bytes->data()), mac).ok()) {
        return false;
    }
    auto reply = pool_->command({"SET", keyFor(nonce), "1", "NX", "PX", std::to_string(remaining)},
                                Retry::Once);
    if (!reply) {
        return std::move(reply).problem();
    }
    if (reply->isNil()) {
        return false;  // used before
    }
    if (!reply->isStatus("OK")) {
        return redisProblem("consuming a nonce: SET answered " + reply->toString());
    }
    return true;
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
