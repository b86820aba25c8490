#include "broker/http/LingeringClose.h"

#include <algorithm>
#include <cerrno>
#include <poll.h>
#include <sys/socket.h>

#include <Poco/Exception.h>

namespace legate::http {

LingerOutcome lingeringClose(Poco::Net::StreamSocket& socket, const LingerLimits& limits) {
    LingerOutcome outcome;
    try {
        if (socket.impl() == nullptr || !socket.impl()->initialized()) {
            return outcome;
        }
        if (!socket.secure()) {
            // FIN after the answer.  (TLS: Poco's shutdownSend() is a no-op and its
            // shutdown() is a full one, which would defeat the draining below; the
            // client has the whole answer, framed by Content-Length, either way.)
            socket.shutdownSend();
        }
    } catch (const Poco::Exception&) {  // the peer is already gone
        return outcome;
    }
    // Raw reads on the descriptor: under TLS this discards records undecrypted, which
    // is all that is wanted of them.
    const int fd = socket.impl()->sockfd();
    const auto deadline = std::chrono::steady_clock::now() + limits.total;
    char buf[16 * 1024];
    while (outcome.discarded < limits.maxBytes) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            break;
        }
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(std::min(left, limits.idle).count()));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready <= 0) {  // quiet for `idle` (or the deadline), or poll failed
            break;
        }
        const size_t want = std::min(sizeof buf, limits.maxBytes - outcome.discarded);
        const ssize_t n = ::recv(fd, buf, want, MSG_DONTWAIT);
        if (n > 0) {
            outcome.discarded += static_cast<size_t>(n);
        } else if (n == 0) {
            outcome.peerClosed = true;
            break;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            break;  // reset, or the server shut the socket down
        }
    }
    return outcome;
}

}  // namespace legate::http
