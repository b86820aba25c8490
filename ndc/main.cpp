// ndc: the name-delegation-consumer agent of Legate, run by a CDN.

#include <iostream>
#include <string>
#include <vector>

#include "ndc/Commands.h"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    return legate::ndc::runCommand(args, std::cout, std::cerr);
}
