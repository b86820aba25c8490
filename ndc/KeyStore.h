#pragma once
/// The one place where the NDC makes and reads private keys.
///
/// Keys live in `<state>/keys/`: `account.key` (the ACME account key) and one
/// `<slot>.key` per delegation slot.  They are generated here, written once with mode
/// 0600 (created atomically and exclusively, so two racing ndc processes end up with
/// the same key), and never leave the machine: the only copies are this directory and
/// the edge's `key.pem`.  A slot's key is reused for every STAR renewal and every
/// re-order of that slot, because the IdO renews with the same CSR (RFC 8739 §3.3);
/// a fresh key would not match the certificates published for the order.

#include <filesystem>
#include <string>

#include "broker/core/Result.h"
#include "broker/crypto/Key.h"

namespace legate::ndc {

class KeyStore {
public:
    explicit KeyStore(std::filesystem::path stateDir);

    /// The account key, generated (P-256) on first use when `create`.
    Result<crypto::PrivateKey> accountKey(bool create);

    /// The slot's key: the existing one, or a new one of `type` when there is none.
    Result<crypto::PrivateKey> slotKey(const std::string& slot, crypto::KeyType type);
    /// The slot's existing key; a `malformed` problem when there is none.
    Result<crypto::PrivateKey> existingSlotKey(const std::string& slot) const;
    bool hasSlotKey(const std::string& slot) const;

    std::filesystem::path keyFile(const std::string& slot) const;
    const std::filesystem::path& dir() const { return dir_; }

private:
    Result<crypto::PrivateKey> loadOrCreate(const std::filesystem::path& file, crypto::KeyType type,
                                            bool create);
    std::filesystem::path dir_;
};

/// True for slot names usable as file names: [A-Za-z0-9._-], 1-64 chars, no leading '.'.
bool validSlotName(const std::string& slot);

}  // namespace legate::ndc
