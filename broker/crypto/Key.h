#pragma once
/// Public and private keys (RSA, EC P-256/P-384/P-521, Ed25519) over EVP_PKEY.

#include <optional>
#include <string>
#include <string_view>

#include "broker/core/Result.h"
#include "broker/crypto/OpenSsl.h"

namespace legate::crypto {

enum class KeyAlgorithm { Rsa, Ec, Ed25519 };

/// The key shapes Legate generates.
enum class KeyType { P256, P384, P521, Rsa2048, Rsa3072, Rsa4096, Ed25519 };

/// "P-256", "RSA-2048", "Ed25519"...; parseKeyType accepts the same names.
std::string_view keyTypeName(KeyType type);
std::optional<KeyType> parseKeyType(std::string_view name);

/// A public key.  Cheap to copy (reference-counted EVP_PKEY).
class PublicKey {
public:
    /// SubjectPublicKeyInfo in DER or PEM ("PUBLIC KEY").
    static Result<PublicKey> fromDer(const Bytes& spki);
    static Result<PublicKey> fromPem(std::string_view pem);
    /// Takes ownership.
    static PublicKey adopt(EvpPkeyPtr key);

    Bytes toDer() const;  ///< SubjectPublicKeyInfo DER
    std::string toPem() const;

    KeyAlgorithm algorithm() const;
    /// RSA modulus bits, EC field bits, 256 for Ed25519.
    int bits() const;
    /// SEC 2 curve name for EC keys ("secp256r1", "secp384r1", "secp521r1"), else "".
    std::string curveName() const;
    /// Same key material (EVP_PKEY_eq).
    bool operator==(const PublicKey& other) const;

    EVP_PKEY* get() const { return key_.get(); }

private:
    explicit PublicKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
    std::shared_ptr<EVP_PKEY> key_;
};

/// A private key.  Move-only: private material is never duplicated implicitly.
class PrivateKey {
public:
    static Result<PrivateKey> generate(KeyType type);
    /// PKCS#8, traditional RSA/EC PEM, or DER PKCS#8.  Unencrypted only.
    static Result<PrivateKey> fromPem(std::string_view pem);
    static Result<PrivateKey> fromDer(const Bytes& der);

    /// Unencrypted PKCS#8 PEM ("PRIVATE KEY").
    std::string toPem() const;
    Bytes toDer() const;

    /// The public half (no private material in it); derived once, when the key is made.
    PublicKey publicKey() const { return public_; }
    KeyAlgorithm algorithm() const { return public_.algorithm(); }

    EVP_PKEY* get() const { return key_.get(); }

private:
    explicit PrivateKey(EvpPkeyPtr key);
    EvpPkeyPtr key_;
    // Kept, not derived per call: each JWS signature asks for it three times (algorithm,
    // key fit, padding), and OpenSSL 3's SPKI encode + decode costs ~10x an ES256
    // signature (docs/benchmarks.md, "ACME POST throughput").
    PublicKey public_;
};

}  // namespace legate::crypto
