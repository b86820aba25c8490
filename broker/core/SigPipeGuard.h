#pragma once
/// Blocks SIGPIPE for the calling thread while a library writes to a socket the peer
/// may already have closed (hiredis and OpenSSL both write with write(2), and SIGPIPE's
/// default action kills the process), and swallows one raised meanwhile; the failed
/// write still shows up as EPIPE.  The process-wide disposition stays untouched, so
/// the code is correct inside any host program.
///
///     { SigPipeGuard guard; redisCommand(...); }

#include <csignal>
#include <ctime>
#include <pthread.h>

namespace legate {

class SigPipeGuard {
public:
    SigPipeGuard() {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        sigset_t old;
        pthread_sigmask(SIG_BLOCK, &pipe_, &old);
        wasBlocked_ = sigismember(&old, SIGPIPE) == 1;
    }
    ~SigPipeGuard() {
        if (wasBlocked_) {
            return;
        }
        sigset_t pending;
        sigemptyset(&pending);
        if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
            const timespec zero{};
            sigtimedwait(&pipe_, nullptr, &zero);
        }
        pthread_sigmask(SIG_UNBLOCK, &pipe_, nullptr);
    }
    SigPipeGuard(const SigPipeGuard&) = delete;
    SigPipeGuard& operator=(const SigPipeGuard&) = delete;

private:
    sigset_t pipe_;
    bool wasBlocked_ = false;
};

}  // namespace legate
