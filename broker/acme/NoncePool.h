#pragma once
/// Replay-Nonces received from an ACME server, waiting to be used (RFC 8555 §6.5).
///
/// Every answer may carry one; a client keeps the freshest few and takes the newest
/// when it signs.  A value that is not base64url is ignored (§6.5.1: clients MUST NOT
/// use it), and the pool is bounded so a server handing out nonces on every GET cannot
/// grow it.  Not thread-safe (one per client, like the client).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "broker/http/Headers.h"

namespace legate::acme {

class NoncePool {
public:
    explicit NoncePool(size_t capacity = 16) : capacity_(capacity == 0 ? 1 : capacity) {}

    /// Keeps the Replay-Nonce of an answer, when it has a usable one; true if kept.
    bool keep(const http::Headers& headers);
    /// The newest nonce, removed from the pool; nullopt when empty.
    std::optional<std::string> take();
    size_t size() const { return nonces_.size(); }
    void clear() { nonces_.clear(); }

private:
    size_t capacity_;
    std::vector<std::string> nonces_;  ///< oldest first
};

}  // namespace legate::acme
