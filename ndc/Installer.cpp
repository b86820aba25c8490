#include "ndc/Installer.h"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ndc/AtomicFile.h"

namespace legate::ndc {

using acme::ErrorType;
using acme::Problem;

Result<bool> installCertificate(const std::filesystem::path& outDir, const std::string& chainPem,
                                const crypto::PrivateKey& key) {
    LEGATE_TRY(ensureDirectory(outDir, 0755));
    const auto keyPem = key.toPem();
    auto currentKey = readTextFile(outDir / "key.pem");
    if (!currentKey.ok() || *currentKey != keyPem) {
        LEGATE_TRY(writeFileAtomic(outDir / "key.pem", keyPem, 0600));
    }
    if (installedChain(outDir) == chainPem) {
        return false;
    }
    LEGATE_TRY(writeFileAtomic(outDir / "fullchain.pem", chainPem, 0644));
    return true;
}

std::string installedChain(const std::filesystem::path& outDir) {
    auto text = readTextFile(outDir / "fullchain.pem");
    return text.ok() ? *text : std::string();
}

Status runReloadCommand(const std::string& command) {
    if (command.empty()) {
        return okStatus();
    }
    // posix_spawn, not popen: the daemon blocks SIGTERM/SIGHUP for sigtimedwait, and a
    // child must start with the default mask (an nginx started from here must stay
    // stoppable).  stdout and stderr come back through one pipe for the report.
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return Problem::make(ErrorType::serverInternal, "pipe for the reload command failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGHUP);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    std::string shell = "/bin/sh";
    std::string dashC = "-c";
    std::string line = command;
    char* argv[] = {shell.data(), dashC.data(), line.data(), nullptr};
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        return Problem::make(ErrorType::serverInternal,
                             "cannot run reload command `" + command + "`: " + std::strerror(rc));
    }
    std::string output;
    std::array<char, 512> buffer{};
    for (;;) {
        const ssize_t n = ::read(fds[0], buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        if (output.size() < 2000) {
            output.append(buffer.data(), static_cast<size_t>(n));
        }
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return okStatus();
    }
    std::string how = WIFEXITED(status)     ? "exit status " + std::to_string(WEXITSTATUS(status))
                      : WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                            : "status " + std::to_string(status);
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) {
        output.pop_back();
    }
    return Problem::make(ErrorType::serverInternal, "reload command `" + command + "` failed (" +
                                                        how + ")" +
                                                        (output.empty() ? "" : ": " + output));
}

}  // namespace legate::ndc
