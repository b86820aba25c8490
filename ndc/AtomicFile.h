#pragma once
/// Crash-safe file replacement for everything the NDC writes: certificates and keys in
/// the edge's output directory, keys and state in the state directory.
///
/// A reader (nginx on reload, `ndc status`, a restarted ndc) must only ever see the old
/// file or the complete new one, never a half-written one, and a power cut right after
/// "installed" must not lose it.  So: write a temp file in the SAME directory (rename is
/// atomic only within one file system), fsync it, rename it over the target, fsync the
/// directory (so the rename itself is durable).

#include <filesystem>
#include <string>
#include <sys/types.h>

#include "broker/core/Result.h"

namespace legate::ndc {

/// Replaces `path` with `contents` atomically; the file gets `mode` (e.g. 0600 for keys)
/// from the moment it exists, never a wider one.  serverInternal problem naming the
/// failing system call otherwise.
Status writeFileAtomic(const std::filesystem::path& path, const std::string& contents, mode_t mode);

/// Creates `path` with `contents` and `mode` only if it does not exist yet (temp file,
/// fsync, link(2), fsync dir): two processes racing get the same winner, and nobody sees
/// a partial file.  Returns false when the file already existed (it is left untouched).
Result<bool> createFileExclusive(const std::filesystem::path& path, const std::string& contents,
                                 mode_t mode);

/// The whole file; nullopt-like: a `malformed` problem when unreadable.
Result<std::string> readTextFile(const std::filesystem::path& path);

/// Creates `dir` (and parents) with `mode` if missing.
Status ensureDirectory(const std::filesystem::path& dir, mode_t mode);

}  // namespace legate::ndc
