#include "broker/http/HttpClient.h"

#include <algorithm>
#include <thread>

#include <curl/curl.h>

#include "broker/http/CurlRuntime.h"

namespace legate::http {
namespace {

using SlistPtr = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

bool validMethod(std::string_view method) {
    return !method.empty() && std::all_of(method.begin(), method.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || c == '-';
    });
}

acme::Problem connectionProblem(std::string detail) {
    return acme::Problem::make(acme::ErrorType::connection, std::move(detail), 500);
}

}  // namespace

/// What the curl callbacks of one attempt write into.
struct HttpClient::Transfer {
    ClientResponse response;
    size_t maxBody = 0;
    bool bodyTooLarge = false;

    static size_t onBody(char* data, size_t size, size_t count, void* user) {
        auto* t = static_cast<Transfer*>(user);
        const size_t n = size * count;
        if (t->response.body.size() + n > t->maxBody) {
            t->bodyTooLarge = true;
            return 0;  // makes curl fail with CURLE_WRITE_ERROR
        }
        t->response.body.append(data, n);
        return n;
    }

    static size_t onHeader(char* data, size_t size, size_t count, void* user) {
        auto* t = static_cast<Transfer*>(user);
        const size_t n = size * count;
        const std::string_view line(data, n);
        if (line.starts_with("HTTP/")) {
            t->response.headers.clear();  // a new response begins (after a 1xx)
        } else if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
            t->response.headers.add(std::string(trim(line.substr(0, colon))),
                                    std::string(trim(line.substr(colon + 1))));
        }
        return n;
    }
};

HttpClient::HttpClient(HttpClientOptions options)
    : options_(std::move(options)), curl_(nullptr), lastAttempts_(0) {
    CURLSH* share = CurlRuntime::share();  // initialises libcurl first
    curl_ = curl_easy_init();
    if (curl_ == nullptr) {
        throw std::runtime_error("curl_easy_init failed");  // out of memory only
    }
    curl_easy_setopt(curl_, CURLOPT_SHARE, share);
    if (!options_.sleep) {
        options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
    }
    options_.maxAttempts = std::max(1, options_.maxAttempts);
}

HttpClient::~HttpClient() {
    curl_easy_cleanup(curl_);
}

int HttpClient::lastAttempts() const {
    std::lock_guard lock(mutex_);
    return lastAttempts_;
}

Result<ClientResponse> HttpClient::request(std::string_view method, const std::string& url,
                                           const Headers& headers, std::string_view body) {
    if (!validMethod(method)) {
        return acme::Problem::make(acme::ErrorType::serverInternal,
                                   "invalid HTTP method '" + std::string(method) + "'");
    }
    std::lock_guard lock(mutex_);
    auto backoff = options_.initialBackoff;
    for (int attemptNo = 1;; ++attemptNo) {
        lastAttempts_ = attemptNo;
        bool retryable = false;
        auto result = attempt(method, url, headers, body, retryable);
        if (result.ok() || !retryable || attemptNo >= options_.maxAttempts) {
            if (!result.ok() && attemptNo > 1) {
                auto problem = std::move(result).problem();
                problem.detail += " (" + std::to_string(attemptNo) + " attempts)";
                return problem;
            }
            return result;
        }
        options_.sleep(backoff);
        backoff = std::min(backoff * 2, options_.maxBackoff);
    }
}

Result<ClientResponse> HttpClient::attempt(std::string_view method, const std::string& url,
                                           const Headers& headers, std::string_view body,
                                           bool& retryable) {
    CURL* curl = curl_;
    // Back to defaults, keeping the connection cache, TLS session cache and the share.
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_SHARE, CurlRuntime::share());

    Transfer transfer;
    transfer.maxBody = options_.maxResponseBytes;
    char errorBuffer[CURL_ERROR_SIZE] = {0};

    SlistPtr headerList(nullptr, curl_slist_free_all);
    for (const auto& [name, value] : headers.entries()) {
        const std::string line = name + ": " + value;
        curl_slist* next = curl_slist_append(headerList.get(), line.c_str());
        if (next == nullptr) {
            throw std::bad_alloc();
        }
        headerList.release();
        headerList.reset(next);
    }
    // No "Expect: 100-continue" round trip for request bodies.
    if (curl_slist* next = curl_slist_append(headerList.get(), "Expect:")) {
        headerList.release();
        headerList.reset(next);
    }

    const std::string methodText(method);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.userAgent.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headerList.get());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorBuffer);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connectTimeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.totalTimeout.count()));
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    const std::string caBundle = options_.caBundle ? options_.caBundle->string() : std::string();
    if (options_.caBundle) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, caBundle.c_str());
        curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr);  // only this bundle is trusted
    }
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(options_.maxResponseBytes));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Transfer::onBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Transfer::onHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);

    if (method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (method == "GET" && body.empty()) {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else {
        // POST machinery sends the body (possibly empty, with Content-Length: 0); any other
        // method name replaces "POST" on the request line.
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        if (method != "POST") {
            curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, methodText.c_str());
        }
    }

    const CURLcode code = curl_easy_perform(curl);
    // Nothing of this attempt may outlive it in the handle.
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);

    const std::string what = methodText + " " + url + ": ";
    if (code != CURLE_OK) {
        if (transfer.bodyTooLarge || code == CURLE_FILESIZE_EXCEEDED) {
            return connectionProblem(what + "response body exceeds " +
                                     std::to_string(options_.maxResponseBytes) + " bytes");
        }
        curl_off_t connectTime = 0;
        curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connectTime);
        retryable = code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_CONNECT ||
                    (code == CURLE_OPERATION_TIMEDOUT && connectTime == 0);
        std::string detail = what + "curl error " + std::to_string(static_cast<int>(code)) + " (" +
                             curl_easy_strerror(code) + ")";
        if (errorBuffer[0] != '\0') {
            detail += ": " + std::string(errorBuffer);
        }
        return connectionProblem(std::move(detail));
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    transfer.response.status = static_cast<int>(status);
    return std::move(transfer.response);
}

}  // namespace legate::http
