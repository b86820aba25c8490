#include "broker/crypto/Digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace legate::crypto {
namespace {

std::span<const unsigned char> bytesOf(std::string_view text) {
    return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

}  // namespace

const EVP_MD* evpDigest(HashAlgorithm algorithm) {
    switch (algorithm) {
        case HashAlgorithm::Sha1:
            return EVP_sha1();
        case HashAlgorithm::Sha256:
            return EVP_sha256();
        case HashAlgorithm::Sha384:
            return EVP_sha384();
        case HashAlgorithm::Sha512:
            return EVP_sha512();
    }
    return EVP_sha256();
}

Bytes digest(HashAlgorithm algorithm, std::span<const unsigned char> data) {
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &length, evpDigest(algorithm), nullptr) !=
        1) {
        return {};
    }
    out.resize(length);
    return out;
}

Bytes digest(HashAlgorithm algorithm, std::string_view data) {
    return digest(algorithm, bytesOf(data));
}

Bytes sha256(std::string_view data) {
    return digest(HashAlgorithm::Sha256, data);
}

Bytes sha256(std::span<const unsigned char> data) {
    return digest(HashAlgorithm::Sha256, data);
}

Bytes hmac(HashAlgorithm algorithm, std::span<const unsigned char> key, std::string_view data) {
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned int length = 0;
    static const unsigned char kNoKey = 0;  // HMAC() wants a pointer even for length 0
    if (HMAC(evpDigest(algorithm), key.empty() ? &kNoKey : key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
             &length) == nullptr) {
        return {};
    }
    out.resize(length);
    return out;
}

std::string toHex(std::span<const unsigned char> bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(bytes.size() * 2);
    for (const unsigned char b : bytes) {
        hex.push_back(kHex[b >> 4]);
        hex.push_back(kHex[b & 0xF]);
    }
    return hex;
}

bool constantTimeEquals(std::span<const unsigned char> a, std::span<const unsigned char> b) {
    return a.size() == b.size() && (a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0);
}

}  // namespace legate::crypto
