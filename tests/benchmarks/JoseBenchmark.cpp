// JWS verification, the per-request cost of the ACME pipeline, against the OpenSSL
// bound measured in the same run: the raw ECDSA/EdDSA verify of the same bytes with
// EVP_DigestVerify.  The ratio is what docs/benchmarks.md records; absolute numbers
// on this shared machine are noise.

#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include "broker/crypto/Key.h"
#include "broker/crypto/OpenSsl.h"
#include "broker/wire/Jwk.h"
#include "broker/wire/Jws.h"
#include "broker/wire/StrictJson.h"

namespace {

using namespace legate;

struct Fixture {
    crypto::PrivateKey key;
    std::string body;
    wire::Jws jws;
    crypto::Bytes der;  // the same signature in DER, for the OpenSSL bound
};

Fixture make(crypto::KeyType type) {
    auto key = crypto::PrivateKey::generate(type).value();
    wire::JwsHeader h;
    h.url = "https://ido.example/acme/example/new-order";
    h.nonce = "AAAAAAAAAAAAAAAAAAAAAA";
    h.kid = "https://ido.example/acme/example/acct/0123456789abcdefABCDEF";
    const nlohmann::json payload = {
        {"identifiers", {{{"type", "dns"}, {"value", "abc.ido.example"}}}},
        {"delegation", "https://ido.example/acme/example/delegation/0123456789abcdefABCDEF"},
        {"auto-renewal",
         {{"end-date", "2030-01-01T00:00:00Z"},
          {"lifetime", 86400},
          {"allow-certificate-get", true}}}};
    auto body = wire::signJws(key, payload, h).value();
    auto jws = wire::Jws::parse(body).value();
    crypto::Bytes der;
    if (key.publicKey().algorithm() == crypto::KeyAlgorithm::Ec) {
        // r||s -> DER ECDSA-Sig-Value, so OpenSSL verifies exactly what the JWS carries.
        const auto& sig = jws.signature();
        const size_t n = sig.size() / 2;
        crypto::BignumPtr r(BN_bin2bn(sig.data(), static_cast<int>(n), nullptr));
        crypto::BignumPtr s(BN_bin2bn(sig.data() + n, static_cast<int>(n), nullptr));
        ECDSA_SIG* raw = ECDSA_SIG_new();
        ECDSA_SIG_set0(raw, r.release(), s.release());
        unsigned char* out = nullptr;
        const int len = i2d_ECDSA_SIG(raw, &out);
        der.assign(out, out + len);
        OPENSSL_free(out);
        ECDSA_SIG_free(raw);
    } else {
        der = jws.signature();
    }
    return {std::move(key), body, std::move(jws), der};
}

const EVP_MD* digestFor(crypto::KeyType type) {
    switch (type) {
        case crypto::KeyType::P384:
            return EVP_sha384();
        case crypto::KeyType::Ed25519:
            return nullptr;
        default:
            return EVP_sha256();
    }
}

void openSslVerify(benchmark::State& state, crypto::KeyType type) {
    auto f = make(type);
    const auto pub = f.key.publicKey();
    const auto& input = f.jws.signingInput();
    for (auto _ : state) {
        crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
        EVP_DigestVerifyInit(ctx.get(), nullptr, digestFor(type), nullptr, pub.get());
        const int ok =
            EVP_DigestVerify(ctx.get(), f.der.data(), f.der.size(),
                             reinterpret_cast<const unsigned char*>(input.data()), input.size());
        benchmark::DoNotOptimize(ok);
    }
    state.SetItemsProcessed(state.iterations());
}

// The whole pipeline cost apart from Redis: strict parse of the body, header checks,
// JWK decode, signature verification.
void jwsParseAndVerify(benchmark::State& state, crypto::KeyType type) {
    auto f = make(type);
    const auto pub = f.key.publicKey();
    for (auto _ : state) {
        auto jws = wire::Jws::parse(f.body);
        auto ok = jws->verify(pub);
        benchmark::DoNotOptimize(ok);
    }
}

void jwkDecodeAndThumbprint(benchmark::State& state) {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::P256).value();
    const auto jwk = wire::toJwk(key.publicKey()).value();
    for (auto _ : state) {
        auto parsed = wire::parseJwk(jwk);
        auto tp = wire::jwkThumbprint(*parsed);
        benchmark::DoNotOptimize(tp);
    }
}

BENCHMARK_CAPTURE(openSslVerify, ES256, crypto::KeyType::P256);
// Both cores verifying at once: the bound of tests/benchmarks/PostLoad.cpp (wall clock, so
// items_per_second is the sum over the two threads).
BENCHMARK_CAPTURE(openSslVerify, ES256_2threads, crypto::KeyType::P256)->Threads(2)->UseRealTime();
BENCHMARK_CAPTURE(jwsParseAndVerify, ES256, crypto::KeyType::P256);
BENCHMARK_CAPTURE(openSslVerify, ES384, crypto::KeyType::P384);
BENCHMARK_CAPTURE(jwsParseAndVerify, ES384, crypto::KeyType::P384);
BENCHMARK_CAPTURE(openSslVerify, EdDSA, crypto::KeyType::Ed25519);
BENCHMARK_CAPTURE(jwsParseAndVerify, EdDSA, crypto::KeyType::Ed25519);
BENCHMARK(jwkDecodeAndThumbprint);

}  // namespace

BENCHMARK_MAIN();
