// ido: the identifier-owner service of Legate (RFC 9115 delegated-certificate broker).

#include <iostream>
#include <string_view>

#include "idO/cli/AdminCommand.h"
#include "idO/cli/TemplateCommand.h"
#include "idO/serve/ServeCommand.h"

namespace {

constexpr std::string_view kUsage = R"(usage: ido COMMAND [OPTIONS]

The identifier-owner (IdO) service of Legate, an RFC 9115 delegated-certificate broker.

Options:
  -h, --help       show this help and exit
  --version        print the version and exit

Commands:
  serve            run the daemon: ido serve --config FILE
                   (ido serve --check-config FILE validates FILE)
  template         CSR template tools: lint, check, profiles, instantiate
                   (ido template --help)
  admin            NDCs and delegations through the admin API
                   (ido admin --help)
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
    if (arg == "template") {
        return legate::ido::runTemplateCommand(argc - 1, argv + 1);
    }
    if (arg == "serve") {
        return legate::ido::runServeCommand(argc - 1, argv + 1);
    }
    if (arg == "admin") {
        return legate::ido::runAdminCommand({argv + 2, argv + argc}, std::cout, std::cerr);
    }
    std::cerr << "ido: unknown command '" << arg << "'\n" << kUsage;
    return 2;
}
