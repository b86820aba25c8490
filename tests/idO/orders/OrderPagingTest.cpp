// ?cursor=N paging of the orders and delegations lists.

#include <gtest/gtest.h>

#include "idO/acme/OrderPaging.h"

namespace legate::ido {
namespace {

TEST(OrderPagingTest, CursorIsADecimalOffset) {
    EXPECT_EQ(*parseCursor("/acme/example/acct/A/orders"), 0);
    EXPECT_EQ(*parseCursor("/acme/example/acct/A/orders?cursor=0"), 0);
    EXPECT_EQ(*parseCursor("/acme/example/acct/A/orders?cursor=250"), 250);
}

TEST(OrderPagingTest, AnythingElseIsMalformed) {
    for (const char* bad : {"/x?cursor=", "/x?cursor=-1", "/x?cursor=1a", "/x?page=2",
                            "/x?cursor=1&x=2", "/x?cursor=9999999999999"}) {
        auto r = parseCursor(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.problem().type, acme::ErrorType::malformed);
        EXPECT_EQ(r.problem().status, 400);
    }
}

TEST(OrderPagingTest, PageUrlAddsTheCursor) {
    EXPECT_EQ(pageUrl("https://a.test/acme/t/acct/A/orders", 100),
              "https://a.test/acme/t/acct/A/orders?cursor=100");
}

}  // namespace
}  // namespace legate::ido
