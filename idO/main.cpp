// ido: the identifier-owner service of Legate (RFC 9115 delegated-certificate broker).

#include <iostream>
#include <string_view>

namespace {

constexpr std::string_view kUsage = R"(usage: ido COMMAND [OPTIONS]

The identifier-owner (IdO) service of Legate, an RFC 9115 delegated-certificate broker.

Options:
  -h, --help       show this help and exit
  --version        print the version and exit

Commands arrive with later issues: serve, admin, template (see README.md).
)";

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << kUsage;
        return 2;
    }
    const std::string_view arg = argv[1];
    if (arg == "-h" || arg == "--help") {
        std::cout << kUsage;
        return 0;
    }
    if (arg == "--version") {
        std::cout << "ido (Legate) " << LEGATE_VERSION << "\n";
        return 0;
    }
    std::cerr << "ido: unknown command '" << arg << "'\n" << kUsage;
    return 2;
}
