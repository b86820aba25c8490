// ndc: the name-delegation-consumer agent of Legate, run by a CDN.

#include <iostream>
#include <string_view>

namespace {

constexpr std::string_view kUsage = R"(usage: ndc COMMAND [OPTIONS]

The NDC agent of Legate: obtains and installs delegated certificates for edge servers.

Options:
  -h, --help       show this help and exit
  --version        print the version and exit

Commands arrive with later issues: register, delegations, order, run, status (see README.md).
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
        std::cout << "ndc (Legate) " << LEGATE_VERSION << "\n";
        return 0;
    }
    std::cerr << "ndc: unknown command '" << arg << "'\n" << kUsage;
    return 2;
}
