// The finalize CSR gate (RFC 9115 §2.3.3/§4.1, RFC 8555 §11.1) against real delegation
// and account records.

#include <gtest/gtest.h>

#include "broker/wire/Base64Url.h"
#include "idO/acme/Finalize.h"
#include "tests/idO/orders/OrderFixture.h"

namespace legate::ido {
namespace {

using acme::ErrorType;

class FinalizeTest : public test::OrderFixture {
protected:
    void SetUp() override {
        OrderFixture::SetUp();
        if (IsSkipped()) {
            return;
        }
        accountKey_ = std::make_unique<crypto::PrivateKey>(
            *crypto::PrivateKey::generate(crypto::KeyType::P256));
        certKey_ = std::make_unique<crypto::PrivateKey>(
            *crypto::PrivateKey::generate(crypto::KeyType::P256));
        onboarded_ = onboard(*accountKey_);
    }

    std::optional<acme::Problem> verdict(const OrderRecord& order, const crypto::Csr& csr) {
        auto r = checkFinalizeCsr(state(), onboarded_.delegation, order, csr);
        EXPECT_TRUE(r.ok());
        return *r;
    }

    std::unique_ptr<crypto::PrivateKey> accountKey_;
    std::unique_ptr<crypto::PrivateKey> certKey_;
    Onboarded onboarded_;
};

TEST_F(FinalizeTest, PayloadCsrMustBeBase64UrlDer) {
    auto r = finalizeCsrDer(nlohmann::json::object());
    EXPECT_EQ(r.problem().type, ErrorType::malformed);
    EXPECT_EQ(r.problem().status, 400);
    r = finalizeCsrDer({{"csr", 5}});
    EXPECT_EQ(r.problem().type, ErrorType::malformed);
    r = finalizeCsrDer({{"csr", "not base64!"}});
    EXPECT_EQ(r.problem().type, ErrorType::badCSR);
    EXPECT_EQ(r.problem().status, 400);
    r = finalizeCsrDer({{"csr", wire::base64UrlEncode(std::string_view("garbage"))}});
    EXPECT_EQ(r.problem().type, ErrorType::badCSR);
    EXPECT_EQ(r.problem().status, 400);
    const auto csr = test::csrFor(*certKey_, {"abc.ido.example"});
    r = finalizeCsrDer({{"csr", wire::base64UrlEncode(csr.der())}});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->der(), csr.der());
}

TEST_F(FinalizeTest, ConformingCsrPasses) {
    const auto order = createOrder(onboarded_, true);
    EXPECT_FALSE(verdict(order, test::csrFor(*certKey_, {"abc.ido.example"})));
    // An NDC-chosen name under an allowed suffix fills the "*" slot.
    const auto two =
        createOrder(onboarded_, false, {{"dns", "abc.ido.example"}, {"dns", "x.cdn.ido.example"}});
    EXPECT_FALSE(verdict(two, test::csrFor(*certKey_, {"abc.ido.example", "x.cdn.ido.example"})));
}

TEST_F(FinalizeTest, NamesOutsideTheOrderOrTemplateAreRefused) {
    const auto order = createOrder(onboarded_, true);
    auto p = verdict(order, test::csrFor(*certKey_, {"abc.ido.example", "evil.example"}));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->status, 403);
    EXPECT_TRUE(p->type == ErrorType::rejectedIdentifier || p->type == ErrorType::badCSR);
    EXPECT_FALSE(p->subproblems.empty());
}

TEST_F(FinalizeTest, KeyTypeOutsideTheTemplateIsBadCsr) {
    const auto order = createOrder(onboarded_, true);
    auto p384 = *crypto::PrivateKey::generate(crypto::KeyType::P384);
    auto p = verdict(order, test::csrFor(p384, {"abc.ido.example"}));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->type, ErrorType::badCSR);
    EXPECT_EQ(p->status, 403);
}

TEST_F(FinalizeTest, TheRequestersAccountKeyIsRefused) {
    const auto order = createOrder(onboarded_, true);
    auto p = verdict(order, test::csrFor(*accountKey_, {"abc.ido.example"}));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->type, ErrorType::badCSR);
    EXPECT_EQ(p->status, 403);
    EXPECT_NE(p->detail.find("account"), std::string::npos) << p->detail;
}

TEST_F(FinalizeTest, AnyAccountKeyOfTheTenantIsRefused) {
    const auto order = createOrder(onboarded_, true);
    auto otherKey = *crypto::PrivateKey::generate(crypto::KeyType::P256);
    onboard(otherKey);  // another NDC's account
    auto p = verdict(order, test::csrFor(otherKey, {"abc.ido.example"}));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->type, ErrorType::badCSR);
    EXPECT_EQ(p->status, 403);
}

TEST_F(FinalizeTest, TheTenantsUpstreamAccountKeyIsRefused) {
    // The caller's other account keys (the route passes the tenant's upstream key) go
    // through the same rule in the matcher.
    const auto order = createOrder(onboarded_, true);
    const auto csr = test::csrFor(*certKey_, {"abc.ido.example"});
    auto passed =
        checkFinalizeCsr(state(), onboarded_.delegation, order, csr, {accountKey_->publicKey()});
    ASSERT_TRUE(passed.ok());
    EXPECT_FALSE(*passed);
    auto refused = checkFinalizeCsr(state(), onboarded_.delegation, order, csr,
                                    {accountKey_->publicKey(), certKey_->publicKey()});
    ASSERT_TRUE(refused.ok());
    ASSERT_TRUE(*refused);
    EXPECT_EQ((*refused)->type, ErrorType::badCSR);
    EXPECT_EQ((*refused)->status, 403);
    EXPECT_NE((*refused)->detail.find("account key"), std::string::npos) << (*refused)->detail;
}

}  // namespace
}  // namespace legate::ido
