#pragma once
/// `ido template ...`: operator tools for RFC 9115 CSR templates.
///
///   ido template lint FILE|--profile NAME [--names a,b] [--allowed-suffix S]...
///   ido template check --template FILE|--profile NAME --csr FILE
///                      [--names a,b] [--allowed-suffix S]...
///   ido template profiles
///   ido template instantiate NAME --names a,b [--allowed-suffix S]...
///
/// Every verdict is printed per field; exit status 0 = valid / conforming,
/// 1 = invalid / violation, 2 = usage or I/O error.

namespace legate::ido {

/// Runs `ido template ...`; argv[0] is "template".  Returns the process exit status.
int runTemplateCommand(int argc, char** argv);

}  // namespace legate::ido
