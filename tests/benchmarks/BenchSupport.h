#pragma once
/// What the benchmark programs share (tests/benchmarks): `--name=value` integer options
/// over a table of defaults, nearest-rank percentiles, `require` for set-up steps whose
/// failure ends the run, and the CPU time of the processes sharing the machine's cores.
/// Header-only: each program is a single translation unit.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>
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

/// stdout of a shell command; throws when it cannot run or exits non-zero.
inline std::string commandOutput(const std::string& command) {
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) {
        throw std::runtime_error("cannot run " + command);
    }
    std::string out;
    char buffer[4096];
    for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
        out.append(buffer, n);
    }
    if (pclose(pipe) != 0) {
        throw std::runtime_error(command + " failed");
    }
    return out;
}

/// user + system CPU seconds of this process.
inline double ownCpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

/// utime + stime of a process, from /proc/<pid>/stat (fields 14 and 15); 0 when it is
/// gone.
inline double processCpuSeconds(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 > stat.size()) {
        return 0;
    }
    // The command name (field 2) may hold spaces; the fields after it are plain.
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    double ticks = 0;
    for (int index = 3; index <= 15 && rest >> field; ++index) {
        if (index >= 14) {
            ticks += std::stod(field);
        }
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

/// used_cpu_sys + used_cpu_user of Redis's INFO cpu.
inline double redisCpuSeconds(int port) {
    std::istringstream info(
        commandOutput("redis-cli -p " + std::to_string(port) + " INFO cpu 2>/dev/null"));
    double total = 0;
    for (std::string line; std::getline(info, line);) {
        for (const char* key : {"used_cpu_sys:", "used_cpu_user:"}) {
            if (line.rfind(key, 0) == 0) {
                total += std::stod(line.substr(std::string(key).size()));
            }
        }
    }
    return total;
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
