#include "ndc/KeyStore.h"

#include "ndc/AtomicFile.h"

namespace legate::ndc {

using acme::ErrorType;
using acme::Problem;

bool validSlotName(const std::string& slot) {
    if (slot.empty() || slot.size() > 64 || slot[0] == '.' || slot[0] == '-') {
        return false;
    }
    for (char c : slot) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

KeyStore::KeyStore(std::filesystem::path stateDir) : dir_(std::move(stateDir) / "keys") {}

std::filesystem::path KeyStore::keyFile(const std::string& slot) const {
    return dir_ / (slot + ".key");
}

bool KeyStore::hasSlotKey(const std::string& slot) const {
    std::error_code ec;
    return std::filesystem::exists(keyFile(slot), ec);
}

Result<crypto::PrivateKey> KeyStore::accountKey(bool create) {
    return loadOrCreate(dir_ / "account.key", crypto::KeyType::P256, create);
}

Result<crypto::PrivateKey> KeyStore::slotKey(const std::string& slot, crypto::KeyType type) {
    if (!validSlotName(slot)) {
        return Problem::make(ErrorType::malformed, "bad slot name '" + slot + "'");
    }
    return loadOrCreate(keyFile(slot), type, true);
}

Result<crypto::PrivateKey> KeyStore::existingSlotKey(const std::string& slot) const {
    if (!validSlotName(slot)) {
        return Problem::make(ErrorType::malformed, "bad slot name '" + slot + "'");
    }
    auto pem = readTextFile(keyFile(slot));
    if (!pem.ok()) {
        return Problem::make(ErrorType::malformed, "no key for '" + slot + "' in " + dir_.string());
    }
    return crypto::PrivateKey::fromPem(*pem);
}

Result<crypto::PrivateKey> KeyStore::loadOrCreate(const std::filesystem::path& file,
                                                  crypto::KeyType type, bool create) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
        if (!create) {
            return Problem::make(ErrorType::accountDoesNotExist,
                                 "no account key in " + dir_.string() + " (run `ndc register`)");
        }
        LEGATE_TRY(ensureDirectory(dir_, 0700));
        auto key = crypto::PrivateKey::generate(type);
        LEGATE_TRY(key);
        auto created = createFileExclusive(file, key->toPem(), 0600);
        LEGATE_TRY(created);
        if (*created) {
            return key;
        }
        // Somebody else created it first: theirs is the key (fall through to load).
    }
    auto pem = readTextFile(file);
    LEGATE_TRY(pem);
    auto key = crypto::PrivateKey::fromPem(*pem);
    if (!key.ok()) {
        return Problem::make(ErrorType::malformed,
                             file.string() + ": not a private key: " + key.problem().detail);
    }
    return key;
}

}  // namespace legate::ndc
