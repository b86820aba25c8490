#pragma once
/// Reading a file named on the command line (a template, a CSR, a token, a CNAME map),
/// with an error that says which file and why.

#include <filesystem>
#include <string>

#include "broker/core/Result.h"

namespace legate::cli {

/// The whole file; malformed "cannot read PATH: REASON" when it cannot be opened or
/// read (missing, a directory, no permission), or is larger than `maxBytes`.
Result<std::string> readTextFile(const std::filesystem::path& path,
                                 size_t maxBytes = 16 * 1024 * 1024);

}  // namespace legate::cli
