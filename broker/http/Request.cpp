#include "broker/http/Request.h"

#include <istream>

#include <Poco/Exception.h>

namespace legate::http {
namespace {

acme::Problem tooLarge(size_t cap) {
    return acme::Problem::make(acme::ErrorType::malformed,
                               "request body exceeds " + std::to_string(cap) + " bytes", 413);
}

}  // namespace

Request::Request(Poco::Net::HTTPServerRequest& raw, PathParams params, size_t maxBodyBytes,
                 std::string requestId)
    : raw_(raw),
      params_(std::move(params)),
      maxBodyBytes_(maxBodyBytes),
      requestId_(std::move(requestId)) {}

std::string_view Request::rawPath() const {
    std::string_view t = raw_.getURI();
    return t.substr(0, t.find_first_of("?#"));
}

const std::string& Request::param(std::string_view name) const {
    static const std::string kNone;
    for (const auto& [n, v] : params_) {
        if (n == name) {
            return v;
        }
    }
    return kNone;
}

std::optional<std::string> Request::header(const std::string& name) const {
    if (!raw_.has(name)) {
        return std::nullopt;
    }
    return raw_.get(name);
}

std::string Request::clientAddress() const {
    return raw_.clientAddress().toString();
}

bool Request::announcesBody(const Poco::Net::HTTPServerRequest& raw) {
    return raw.getChunkedTransferEncoding() ||
           (raw.hasContentLength() && raw.getContentLength64() > 0);
}

bool Request::hasBody() const {
    return announcesBody(raw_);
}

bool Request::bodyConsumed() const {
    if (!hasBody()) {
        return true;
    }
    return body_.has_value() && body_->ok();
}

Result<std::string> Request::body() {
    if (body_) {
        return *body_;
    }
    body_ = readBody();
    return *body_;
}

Result<std::string> Request::readBody() {
    if (!hasBody()) {
        return std::string();
    }
    if (raw_.hasContentLength() &&
        static_cast<unsigned long long>(raw_.getContentLength64()) > maxBodyBytes_) {
        return tooLarge(maxBodyBytes_);  // refused unread
    }
    std::string out;
    try {
        std::istream& in = raw_.stream();
        char buf[8192];
        while (in) {
            in.read(buf, sizeof buf);
            out.append(buf, static_cast<size_t>(in.gcount()));
            if (out.size() > maxBodyBytes_) {
                return tooLarge(maxBodyBytes_);
            }
        }
    } catch (const Poco::Exception& e) {
        return acme::Problem::make(acme::ErrorType::malformed,
                                   "could not read the request body: " + e.message());
    }
    return out;
}

}  // namespace legate::http
