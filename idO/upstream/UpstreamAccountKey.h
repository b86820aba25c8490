#pragma once
/// The IdO's account key at the upstream CA, kept in one PEM file.
///
/// The key is the IdO's identity toward the CA: whoever holds it can order and revoke
/// certificates for every delegated name.  So the file is created with mode 0600,
/// written to a temporary name in the same directory and linked into place (a reader
/// never sees half a key, and two processes racing to create it end up with one key:
/// the loser loads the winner's), and an existing file readable or writable by group or
/// others is REFUSED rather than used (like ssh does with identity files): a key that
/// may have leaked must be replaced by the operator, not silently trusted.

#include <filesystem>

#include "broker/core/Result.h"
#include "broker/crypto/Key.h"

namespace legate::ido::upstream {

class UpstreamAccountKey {
public:
    /// Loads the key at `path`; serverInternal problem when the file is missing,
    /// unreadable, has group/other permission bits, or is not an unencrypted private key.
    static Result<crypto::PrivateKey> load(const std::filesystem::path& path);

    /// Loads the key at `path`, or generates one of `type` and writes it there
    /// (mode 0600, atomically) when no file exists.
    static Result<crypto::PrivateKey> loadOrCreate(const std::filesystem::path& path,
                                                   crypto::KeyType type = crypto::KeyType::P256);
};

}  // namespace legate::ido::upstream
