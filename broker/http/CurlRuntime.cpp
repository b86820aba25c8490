#include "broker/http/CurlRuntime.h"

#include <array>
#include <mutex>
#include <stdexcept>

namespace legate::http {
namespace {

struct ShareLocks {
    std::array<std::mutex, CURL_LOCK_DATA_LAST> mutexes;
};

void lockShare(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<ShareLocks*>(user)->mutexes[static_cast<size_t>(data)].lock();
}

void unlockShare(CURL*, curl_lock_data data, void* user) {
    static_cast<ShareLocks*>(user)->mutexes[static_cast<size_t>(data)].unlock();
}

CURLSH* makeShare() {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        // Only a broken libcurl/TLS installation gets here: nothing outside input can cause.
        throw std::runtime_error("curl_global_init failed");
    }
    static ShareLocks locks;  // lives as long as the share: for the whole process
    CURLSH* share = curl_share_init();
    if (share == nullptr) {
        throw std::runtime_error("curl_share_init failed");
    }
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, lockShare);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, unlockShare);
    curl_share_setopt(share, CURLSHOPT_USERDATA, &locks);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    return share;
}

}  // namespace

CURLSH* CurlRuntime::share() {
    // Never cleaned up: easy handles in static objects may still use it at exit.
    static CURLSH* const share = makeShare();
    return share;
}

}  // namespace legate::http
