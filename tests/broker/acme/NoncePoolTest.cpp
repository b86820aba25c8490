#include <gtest/gtest.h>

#include "broker/acme/NoncePool.h"

namespace legate::acme {
namespace {

http::Headers nonce(std::string value) {
    return http::Headers{{"Replay-Nonce", std::move(value)}};
}

TEST(NoncePool, NewestFirstAndEmptyAfterwards) {
    NoncePool pool;
    EXPECT_TRUE(pool.keep(nonce("AAAA")));
    EXPECT_TRUE(pool.keep(nonce("BBBB")));
    EXPECT_EQ(pool.take(), "BBBB");
    EXPECT_EQ(pool.take(), "AAAA");
    EXPECT_FALSE(pool.take());
}

TEST(NoncePool, IgnoresMissingEmptyAndNonBase64UrlValues) {
    NoncePool pool;
    EXPECT_FALSE(pool.keep(http::Headers{}));
    EXPECT_FALSE(pool.keep(nonce("")));
    EXPECT_FALSE(pool.keep(nonce("not base64url!")));
    EXPECT_FALSE(pool.keep(nonce("abc+/=")));
    EXPECT_EQ(pool.size(), 0u);
}

TEST(NoncePool, BoundedDroppingTheOldest) {
    NoncePool pool(2);
    pool.keep(nonce("AAAA"));
    pool.keep(nonce("BBBB"));
    pool.keep(nonce("CCCC"));
    EXPECT_EQ(pool.size(), 2u);
    EXPECT_EQ(pool.take(), "CCCC");
    EXPECT_EQ(pool.take(), "BBBB");
    EXPECT_FALSE(pool.take());
}

}  // namespace
}  // namespace legate::acme
