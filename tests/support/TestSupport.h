#pragma once
/// Hermetic-test helpers: temporary directories, free loopback ports, child processes
/// stopped by PID, and polling instead of sleeping.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace legate::test {

/// A fresh directory under $TMPDIR, removed (recursively) on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

/// A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read it back).
int freePort();

/// Polls `condition` every few milliseconds until it holds or `timeout` passes.
bool pollUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout = std::chrono::seconds(20));

/// True when something accepts TCP connections on 127.0.0.1:port.
bool portAcceptsConnections(int port);

/// A child process started with execvp; stopped (SIGTERM, then SIGKILL) by PID on
/// destruction.  stdout and stderr go to `logFile` when given.
class Process {
public:
    Process(std::vector<std::string> argv, std::filesystem::path logFile = {},
            std::map<std::string, std::string> extraEnv = {});
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    /// Sends `signal` and waits up to `timeout` for the process to exit; SIGKILL after that.
    /// Returns the exit status as waitpid reports it.
    int stop(int signal = 15, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Waits for a natural exit; returns the exit code (or 128+signal), -1 on timeout.
    int wait(std::chrono::milliseconds timeout);

private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    int status_ = 0;
};

/// Reads a whole file ("" if missing).
std::string readFile(const std::filesystem::path& path);
void writeFile(const std::filesystem::path& path, const std::string& contents);

/// Skips the current test when `program` is not on PATH (peers are installed by
/// scripts/test.sh; a developer running one test binary by hand gets a clear skip).
bool haveProgram(const std::string& program);

}  // namespace legate::test
