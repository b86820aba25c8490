#include <gtest/gtest.h>

#include "broker/crypto/RsaKeyCheck.h"
#include "tests/broker/crypto/CryptoTestSupport.h"

namespace legate::crypto {
namespace {

using test::cachedKey;

BignumPtr bignum(unsigned long word) {
    BignumPtr bn(BN_new());
    EXPECT_EQ(BN_set_word(bn.get(), word), 1);
    return bn;
}

/// An odd 2^bits - 1 modulus (not a real RSA modulus, but the bounds only look at size).
BignumPtr oddModulus(int bits) {
    BignumPtr bn(BN_new());
    EXPECT_EQ(BN_set_bit(bn.get(), bits), 1);
    EXPECT_EQ(BN_sub_word(bn.get(), 1), 1);
    return bn;
}

TEST(RsaKeyCheckTest, GeneratedKeysPass) {
    for (KeyType type : {KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096}) {
        EXPECT_EQ(rsaPublicKeyFault(cachedKey(type).publicKey()), std::nullopt);
    }
}

TEST(RsaKeyCheckTest, OtherKeyTypesAreNotItsBusiness) {
    EXPECT_EQ(rsaPublicKeyFault(cachedKey(KeyType::P256).publicKey()), std::nullopt);
    EXPECT_EQ(rsaPublicKeyFault(cachedKey(KeyType::Ed25519).publicKey()), std::nullopt);
}

TEST(RsaKeyCheckTest, SmallExponentKeyIsRefused) {
    const PrivateKey key = test::rsaKeyWithExponent(2048, 3);
    const auto fault = rsaPublicKeyFault(key.publicKey());
    ASSERT_TRUE(fault.has_value());
    EXPECT_NE(fault->find("exponent 3 is too small"), std::string::npos) << *fault;
}

TEST(RsaKeyCheckTest, ParameterBounds) {
    const auto e = bignum(65537);
    EXPECT_EQ(rsaParameterFault(oddModulus(2048).get(), e.get()), std::nullopt);
    EXPECT_EQ(rsaParameterFault(oddModulus(8192).get(), e.get()), std::nullopt);
    EXPECT_NE(rsaParameterFault(oddModulus(2047).get(), e.get())->find("shorter"),
              std::string::npos);
    EXPECT_NE(rsaParameterFault(oddModulus(8193).get(), e.get())->find("longer"),
              std::string::npos);
    BignumPtr even = oddModulus(2048);
    ASSERT_EQ(BN_sub_word(even.get(), 1), 1);
    EXPECT_NE(rsaParameterFault(even.get(), e.get())->find("modulus is even"), std::string::npos);

    const auto n = oddModulus(2048);
    EXPECT_NE(rsaParameterFault(n.get(), bignum(65538).get())->find("exponent is even"),
              std::string::npos);
    EXPECT_NE(rsaParameterFault(n.get(), bignum(65535).get())->find("too small"),
              std::string::npos);
    EXPECT_NE(rsaParameterFault(n.get(), oddModulus(257).get())->find("longer than 256"),
              std::string::npos);
    EXPECT_EQ(rsaParameterFault(n.get(), oddModulus(256).get()), std::nullopt);
}

}  // namespace
}  // namespace legate::crypto
