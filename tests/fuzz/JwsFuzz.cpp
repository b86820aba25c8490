/// libFuzzer target for the ACME JWS pipeline: parse a request body as every policy
/// does, decode an embedded jwk, verify with it, and treat the payload as the JSON
/// object a handler would ask for.  Also feeds the body to the EAB verifier.  Every
/// outcome must be a value or a Problem: no crash, exception or sanitizer report.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "broker/wire/Eab.h"
#include "broker/wire/Jwk.h"
#include "broker/wire/Jws.h"
#include "broker/wire/StrictJson.h"

namespace {

using legate::wire::Jws;
using legate::wire::JwsOptions;

void exercise(const Jws& jws) {
    (void)jws.payloadJson();
    (void)jws.toJson();
    if (!jws.jwk()) {
        return;
    }
    auto key = jws.embeddedKey();
    if (!key.ok()) {
        return;
    }
    (void)jws.verify(*key);
    (void)legate::wire::jwkThumbprint(*key);
    auto jwk = legate::wire::toJwk(*key);
    if (!jwk.ok()) {
        std::abort();  // every key parseJwk accepts has a JWK form
    }
    auto back = legate::wire::parseJwk(*jwk);
    if (!back.ok() || !legate::wire::sameKey(*back, *key)) {
        std::abort();  // and that form decodes to the same key
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);

    for (const auto& options : {JwsOptions::request(), JwsOptions::keyChangeInner(),
                                JwsOptions::externalAccountBinding()}) {
        auto jws = Jws::parse(body, options);
        if (jws.ok()) {
            exercise(*jws);
        }
    }

    // The same bytes as an externalAccountBinding object, bound to a fixed key.
    auto doc = legate::wire::parseStrictJson(body);
    if (doc.ok()) {
        static const auto accountKey =
            legate::crypto::PrivateKey::generate(legate::crypto::KeyType::P256).value().publicKey();
        const legate::wire::EabKeyLookup lookup =
            [](std::string_view) -> std::optional<legate::crypto::Bytes> {
            return legate::crypto::Bytes(32, 0x5a);
        };
        (void)legate::wire::verifyExternalAccountBinding(
            *doc, accountKey, "https://ido.example/acme/new-account", lookup);
        // A JWS object nested in another JSON document (a keyChange payload).
        (void)Jws::fromJson(*doc, JwsOptions::keyChangeInner());
    }
    return 0;
}
