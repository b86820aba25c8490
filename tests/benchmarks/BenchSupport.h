#pragma once
/// What the benchmark programs share (tests/benchmarks): `--name=value` integer options
/// over a table of defaults, nearest-rank percentiles, and `require` for set-up steps
/// whose failure ends the run.  Header-only: each program is a single translation unit.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "broker/core/Result.h"

namespace legate::test::bench {

/// `defaults` with every `--name=value` of argv applied.  `--help` prints the options
/// and exits 0; an unknown or malformed argument throws, naming the known ones.
inline std::map<std::string, int> parseOptions(const std::map<std::string, int>& defaults, int argc,
                                               char** argv) {
    std::string known;
    for (const auto& [name, value] : defaults) {
        known += " --" + name + "=" + std::to_string(value);
    }
    auto options = defaults;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help") {
            std::cout << "options (defaults):" << known << "\n";
            std::exit(0);
        }
        const auto eq = arg.find('=');
        if (arg.rfind("--", 0) != 0 || eq == std::string::npos ||
            !options.contains(arg.substr(2, eq - 2))) {
            throw std::runtime_error("unknown argument " + arg + "; known (defaults):" + known);
        }
        options[arg.substr(2, eq - 2)] = std::stoi(arg.substr(eq + 1));
    }
    return options;
}

/// Nearest rank: the smallest value with at least `p` of the samples at or below it;
/// 0 for no samples.
inline double percentile(std::vector<double> values, double p) {
    if (values.empty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
    return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

template <typename T>
T require(Result<T> r, const std::string& what) {
    if (!r.ok()) {
        throw std::runtime_error(what + ": " + r.problem().detail);
    }
    return std::move(r).value();
}

inline void require(const Status& s, const std::string& what) {
    if (!s.ok()) {
        throw std::runtime_error(what + ": " + s.problem().detail);
    }
}

/// A benchmark program's main: options parsed over `defaults`, `run` called with them;
/// an exception (a set-up step that failed, a bad argument) is printed after `program`
/// and exits 1.
inline int main(const char* program, const std::map<std::string, int>& defaults, int argc,
                char** argv, const std::function<int(const std::map<std::string, int>&)>& run) {
    try {
        return run(parseOptions(defaults, argc, argv));
    } catch (const std::exception& e) {
        std::cerr << program << ": " << e.what() << std::endl;
        return 1;
    }
}

}  // namespace legate::test::bench
