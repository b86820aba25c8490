#pragma once
/// Keys shared by the profiles tests, generated once per test program (RSA generation is
/// slow) and CSR helpers that fail the test loudly when createCsr refuses a request.

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "broker/crypto/Csr.h"
#include "broker/crypto/Key.h"
#include "profiles/CsrTemplate.h"
#include "profiles/TemplateParser.h"

namespace legate::profiles::test {

/// One key per type, made on first use.
inline const crypto::PrivateKey& testKey(crypto::KeyType type) {
    static std::map<crypto::KeyType, crypto::PrivateKey> keys;
    auto it = keys.find(type);
    if (it == keys.end()) {
        auto key = crypto::PrivateKey::generate(type);
        if (!key) {
            ADD_FAILURE() << "key generation failed: " << key.problem().detail;
            std::abort();
        }
        it = keys.emplace(type, std::move(*key)).first;
    }
    return it->second;
}

/// A second P-256 key (for "CSR key is an account key" tests the first one is reused).
inline const crypto::PrivateKey& otherP256() {
    static crypto::PrivateKey key = std::move(*crypto::PrivateKey::generate(crypto::KeyType::P256));
    return key;
}

inline crypto::Csr makeCsr(const crypto::PrivateKey& key, const crypto::CsrRequest& request) {
    auto csr = crypto::createCsr(key, request);
    if (!csr) {
        ADD_FAILURE() << "createCsr failed: " << csr.problem().detail;
        std::abort();
    }
    return std::move(*csr);
}

inline CsrTemplate parseTemplate(const std::string& text) {
    auto tmpl = TemplateParser::parseText(text);
    if (!tmpl) {
        ADD_FAILURE() << "template refused: " << tmpl.problem().detail;
        std::abort();
    }
    return std::move(*tmpl);
}

}  // namespace legate::profiles::test
