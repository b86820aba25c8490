#include "broker/acme/NoncePool.h"

#include "broker/wire/Base64Url.h"

namespace legate::acme {

bool NoncePool::keep(const http::Headers& headers) {
    auto nonce = headers.get("Replay-Nonce");
    if (!nonce || nonce->empty() || !wire::base64UrlDecode(*nonce).ok()) {
        return false;
    }
    nonces_.push_back(*nonce);
    if (nonces_.size() > capacity_) {
        nonces_.erase(nonces_.begin());
    }
    return true;
}

std::optional<std::string> NoncePool::take() {
    if (nonces_.empty()) {
        return std::nullopt;
    }
    std::string nonce = std::move(nonces_.back());
    nonces_.pop_back();
    return nonce;
}

}  // namespace legate::acme
