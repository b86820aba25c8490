#pragma once
/// A graceful close for a connection whose request body was left unread (nginx's
/// "lingering close").
///
/// When the server answers (say 413) without reading the body and then closes, the
/// unread bytes in its receive buffer make the kernel send a TCP RST instead of a FIN.
/// A client still uploading then sees "connection reset" and may never read the answer.
/// So, after the answer has been written (with `Connection: close`):
///
///   1. shut down the sending side (plain TCP only: Poco has no TLS half-close), so the
///      client sees the end of the answer;
///   2. read and discard what the client still sends, until it closes, goes quiet for
///      `idle`, `total` has passed, or `maxBytes` were discarded;
///   3. return; the caller (Poco) closes the socket.
///
/// The bounds are what keeps a hostile client from holding a server thread: at most
/// `total` of wall time and `maxBytes` of reading per connection.

#include <chrono>
#include <cstddef>

#include <Poco/Net/StreamSocket.h>

namespace legate::http {

struct LingerLimits {
    /// Wall-clock bound of the whole linger.
    std::chrono::milliseconds total{2000};
    /// Give up when the client sends nothing for this long.
    std::chrono::milliseconds idle{500};
    /// Give up after discarding this many bytes.
    size_t maxBytes = 4 * 1024 * 1024;
};

struct LingerOutcome {
    /// Bytes read and discarded.
    size_t discarded = 0;
    /// True when the client closed its side (the clean ending), false when a bound,
    /// an error or a shutdown of the socket ended the linger.
    bool peerClosed = false;
};

/// Half-closes `socket` (plain TCP) and drains it within `limits`.  Never throws.
LingerOutcome lingeringClose(Poco::Net::StreamSocket& socket, const LingerLimits& limits = {});

}  // namespace legate::http
