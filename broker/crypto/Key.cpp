#include "broker/crypto/Key.h"

#include <array>
#include <functional>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>

namespace legate::crypto {
namespace {

using acme::ErrorType;
using acme::Problem;

struct KeyTypeInfo {
    KeyType type;
    std::string_view name;
};

constexpr std::array kKeyTypes = {
    KeyTypeInfo{KeyType::P256, "P-256"},       KeyTypeInfo{KeyType::P384, "P-384"},
    KeyTypeInfo{KeyType::P521, "P-521"},       KeyTypeInfo{KeyType::Rsa2048, "RSA-2048"},
    KeyTypeInfo{KeyType::Rsa3072, "RSA-3072"}, KeyTypeInfo{KeyType::Rsa4096, "RSA-4096"},
    KeyTypeInfo{KeyType::Ed25519, "Ed25519"},
};

Problem cryptoError(std::string_view call) {
    return Problem::make(ErrorType::badPublicKey, std::string(call) + ": " + lastOpenSslError());
}

EvpPkeyPtr generateWith(const char* algorithm, const std::function<bool(EVP_PKEY_CTX*)>& setup) {
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || !setup(ctx.get()) ||
        EVP_PKEY_generate(ctx.get(), &raw) <= 0) {
        return nullptr;
    }
    return EvpPkeyPtr(raw);
}

}  // namespace

std::string_view keyTypeName(KeyType type) {
    for (const auto& k : kKeyTypes) {
        if (k.type == type) {
            return k.name;
        }
    }
    return "unknown";
}

std::optional<KeyType> parseKeyType(std::string_view name) {
    for (const auto& k : kKeyTypes) {
        if (k.name == name) {
            return k.type;
        }
    }
    return std::nullopt;
}

// ---- PublicKey ----

PublicKey PublicKey::adopt(EvpPkeyPtr key) {
    return PublicKey(std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free));
}

Result<PublicKey> PublicKey::fromDer(const Bytes& spki) {
    const unsigned char* p = spki.data();
    EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
    if (!key) {
        return cryptoError("d2i_PUBKEY");
    }
    if (p != spki.data() + spki.size()) {
        return Problem::make(ErrorType::badPublicKey, "trailing data after SubjectPublicKeyInfo");
    }
    return adopt(std::move(key));
}

Result<PublicKey> PublicKey::fromPem(std::string_view pem) {
    auto bio = readBio(pem);
    EvpPkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    if (!key) {
        return cryptoError("PEM_read_bio_PUBKEY");
    }
    return adopt(std::move(key));
}

Bytes PublicKey::toDer() const {
    unsigned char* out = nullptr;
    const int len = i2d_PUBKEY(key_.get(), &out);
    if (len <= 0) {
        return {};
    }
    Bytes der(out, out + len);
    OPENSSL_free(out);
    return der;
}

std::string PublicKey::toPem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PUBKEY(bio.get(), key_.get());
    return bioContents(bio.get());
}

KeyAlgorithm PublicKey::algorithm() const {
    switch (EVP_PKEY_get_base_id(key_.get())) {
        case EVP_PKEY_RSA:
        case EVP_PKEY_RSA_PSS:
            return KeyAlgorithm::Rsa;
        case EVP_PKEY_EC:
            return KeyAlgorithm::Ec;
        default:
            return KeyAlgorithm::Ed25519;
    }
}

int PublicKey::bits() const {
    return EVP_PKEY_get_bits(key_.get());
}

std::string PublicKey::curveName() const {
    if (algorithm() != KeyAlgorithm::Ec) {
        return {};
    }
    char name[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key_.get(), OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name,
                                       &len) != 1) {
        return {};
    }
    // OpenSSL names P-256 "prime256v1"; RFC 9115 templates use the SEC 2 names.
    const std::string_view n(name, len);
    if (n == "prime256v1" || n == "P-256") {
        return "secp256r1";
    }
    if (n == "P-384") {
        return "secp384r1";
    }
    if (n == "P-521") {
        return "secp521r1";
    }
    return std::string(n);
}

bool PublicKey::operator==(const PublicKey& other) const {
    return EVP_PKEY_eq(key_.get(), other.key_.get()) == 1;
}

// ---- PrivateKey ----

Result<PrivateKey> PrivateKey::generate(KeyType type) {
    EvpPkeyPtr key;
    auto curve = [](const char* name) {
        return [name](EVP_PKEY_CTX* ctx) { return EVP_PKEY_CTX_set_group_name(ctx, name) > 0; };
    };
    auto rsa = [](unsigned bits) {
        return
            [bits](EVP_PKEY_CTX* ctx) { return EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) > 0; };
    };
    switch (type) {
        case KeyType::P256:
            key = generateWith("EC", curve("P-256"));
            break;
        case KeyType::P384:
            key = generateWith("EC", curve("P-384"));
            break;
        case KeyType::P521:
            key = generateWith("EC", curve("P-521"));
            break;
        case KeyType::Rsa2048:
            key = generateWith("RSA", rsa(2048));
            break;
        case KeyType::Rsa3072:
            key = generateWith("RSA", rsa(3072));
            break;
        case KeyType::Rsa4096:
            key = generateWith("RSA", rsa(4096));
            break;
        case KeyType::Ed25519:
            key = generateWith("ED25519", [](EVP_PKEY_CTX*) { return true; });
            break;
    }
    if (!key) {
        return Problem::make(ErrorType::serverInternal,
                             "key generation failed: " + lastOpenSslError());
    }
    return PrivateKey(std::move(key));
}

Result<PrivateKey> PrivateKey::fromPem(std::string_view pem) {
    auto bio = readBio(pem);
    EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) {
        return cryptoError("PEM_read_bio_PrivateKey");
    }
    return PrivateKey(std::move(key));
}

Result<PrivateKey> PrivateKey::fromDer(const Bytes& der) {
    const unsigned char* p = der.data();
    EvpPkeyPtr key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
    if (!key) {
        return cryptoError("d2i_AutoPrivateKey");
    }
    return PrivateKey(std::move(key));
}

std::string PrivateKey::toPem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
    return bioContents(bio.get());
}

Bytes PrivateKey::toDer() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    i2d_PKCS8PrivateKey_bio(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
    const std::string s = bioContents(bio.get());
    return Bytes(s.begin(), s.end());
}

namespace {

PublicKey publicHalf(EVP_PKEY* key) {
    // Round-trip through SPKI so the public object holds no private material.
    unsigned char* der = nullptr;
    const int len = i2d_PUBKEY(key, &der);
    const unsigned char* p = der;
    EvpPkeyPtr pub(d2i_PUBKEY(nullptr, &p, len));
    OPENSSL_free(der);
    return PublicKey::adopt(std::move(pub));
}

}  // namespace

PrivateKey::PrivateKey(EvpPkeyPtr key) : key_(std::move(key)), public_(publicHalf(key_.get())) {}

}  // namespace legate::crypto
