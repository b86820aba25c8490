#include "broker/cli/TextFile.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace legate::cli {

Result<std::string> readTextFile(const std::filesystem::path& path, size_t maxBytes) {
    auto fail = [&](const std::string& why) -> Result<std::string> {
        return acme::Problem::make(acme::ErrorType::malformed,
                                   "cannot read " + path.string() + ": " + why);
    };
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        return fail("it is a directory");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fail(std::strerror(errno));
    }
    std::string text;
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<size_t>(in.gcount()));
        if (text.size() > maxBytes) {
            return fail("larger than " + std::to_string(maxBytes) + " bytes");
        }
    }
    if (in.bad()) {
        return fail(std::strerror(errno));
    }
    return text;
}

}  // namespace legate::cli
