#include "broker/crypto/OpenSsl.h"

#include <stdexcept>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rand.h>

namespace legate::crypto {

std::string lastOpenSslError() {
    std::string out;
    while (unsigned long code = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        if (!out.empty()) {
            out += "; ";
        }
        out += buf;
    }
    return out;
}

BioPtr readBio(std::string_view data) {
    return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string bioContents(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

Bytes randomBytes(size_t n) {
    Bytes out(n);
    if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
        // The CSPRNG failing is not something outside input can cause: it is fatal.
        throw std::runtime_error("RAND_bytes failed: " + lastOpenSslError());
    }
    return out;
}

std::string oidText(const ASN1_OBJECT* obj) {
    if (obj == nullptr) {
        return {};
    }
    char buf[128];
    const int len = OBJ_obj2txt(buf, sizeof buf, obj, 1);
    if (len <= 0) {
        return {};
    }
    if (static_cast<size_t>(len) < sizeof buf) {
        return std::string(buf, static_cast<size_t>(len));
    }
    std::string big(static_cast<size_t>(len) + 1, '\0');
    OBJ_obj2txt(big.data(), static_cast<int>(big.size()), obj, 1);
    big.resize(static_cast<size_t>(len));
    return big;
}

}  // namespace legate::crypto
