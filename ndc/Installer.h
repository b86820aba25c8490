#pragma once
/// Puts a verified certificate where the edge reads it, and tells the edge.
///
/// Layout of an output directory: `key.pem` (mode 0600, the slot's key) and
/// `fullchain.pem` (mode 0644, end-entity first).  The key is written first: the edge
/// can never pick up a certificate whose key file is still the old one.  Both writes are
/// atomic (AtomicFile.h).  The reload command runs through /bin/sh -c so operators can
/// write it as they would in a shell; its exit status and output are reported.

#include <filesystem>
#include <string>

#include "broker/core/Result.h"
#include "broker/crypto/Key.h"

namespace legate::ndc {

/// Writes `key.pem` (only when it differs) and `fullchain.pem` into `outDir` (created
/// with mode 0755 if missing).  Returns true when fullchain.pem changed.
Result<bool> installCertificate(const std::filesystem::path& outDir, const std::string& chainPem,
                                const crypto::PrivateKey& key);

/// The text of `outDir/fullchain.pem`, or "" when there is none.
std::string installedChain(const std::filesystem::path& outDir);

/// Runs `command` with /bin/sh -c; OK on exit status 0, otherwise a serverInternal
/// problem with the status and the first lines of its output.  Empty command: OK.
Status runReloadCommand(const std::string& command);

}  // namespace legate::ndc
