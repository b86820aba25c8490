#pragma once
/// libcurl's process-wide pieces, made once and thread-safely:
///  * curl_global_init (not thread-safe itself, so it runs inside a function-local
///    static initialiser, which C++ runs exactly once even with racing threads);
///  * one CURLSH share for the DNS cache and TLS sessions of every HttpClient, with a
///    mutex per shared data kind.  Connections are NOT shared: libcurl does not support
///    sharing its connection cache between concurrent threads, so each HttpClient keeps
///    its own connections in its own easy handle.

#include <curl/curl.h>

namespace legate::http {

class CurlRuntime {
public:
    /// Initialises libcurl on first use; always returns the same share.
    static CURLSH* share();
};

}  // namespace legate::http
