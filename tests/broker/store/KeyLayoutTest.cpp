#include <set>

#include <gtest/gtest.h>

#include "broker/store/KeyLayout.h"

namespace legate::store {
namespace {

TEST(KeyLayout, BuildsIndependentAndGroupedKeys) {
    const auto layout = KeyLayout::forTenant("acme-cdn");
    ASSERT_TRUE(layout.ok());
    EXPECT_EQ(layout->prefix(), "legate:acme-cdn:");
    EXPECT_EQ(layout->key("nonce", "abc"), "legate:acme-cdn:nonce:abc");
    EXPECT_EQ(layout->kindPrefix("nonce"), "legate:acme-cdn:nonce:");
    EXPECT_EQ(layout->groupKey("dlg", "42", "orders"), "legate:acme-cdn:{dlg:42}:orders");
}

TEST(KeyLayout, PartsOfOneGroupShareASlotAndIndependentKeysSpread) {
    const auto layout = *KeyLayout::forTenant("t1");
    const auto slot = KeyLayout::hashSlot(layout.groupKey("dlg", "42", "state"));
    EXPECT_EQ(KeyLayout::hashSlot(layout.groupKey("dlg", "42", "orders")), slot);
    EXPECT_EQ(KeyLayout::hashSlot(layout.groupKey("dlg", "42", "csr")), slot);
    EXPECT_EQ(KeyLayout::hashTag(layout.groupKey("dlg", "42", "csr")), "dlg:42");

    // Nonce keys carry no tag: they are hashed whole and land on many different slots.
    std::set<uint16_t> slots;
    for (int i = 0; i < 50; ++i) {
        slots.insert(KeyLayout::hashSlot(layout.key("nonce", "n" + std::to_string(i))));
    }
    EXPECT_GT(slots.size(), 40u);
}

TEST(KeyLayout, EscapesBracesSoOutsideValuesCannotInjectAHashTag) {
    const auto layout = *KeyLayout::forTenant("t1");
    EXPECT_EQ(layout.key("nonce", "a{b}%"), "legate:t1:nonce:a%7Bb%7D%25");
    EXPECT_EQ(layout.groupKey("dlg", "x}y", "p{"), "legate:t1:{dlg:x%7Dy}:p%7B");
    EXPECT_EQ(KeyLayout::hashTag(layout.groupKey("dlg", "x}y", "p{")), "dlg:x%7Dy");
}

TEST(KeyLayout, HashSlotMatchesTheRedisClusterSpecification) {
    // Values from the Redis Cluster specification and CLUSTER KEYSLOT documentation.
    EXPECT_EQ(KeyLayout::hashSlot("123456789"), 0x31C3 & 0x3FFF);
    EXPECT_EQ(KeyLayout::hashSlot("somekey"), 11058);
    EXPECT_EQ(KeyLayout::hashSlot("foo{hash_tag}"), 2515);
    EXPECT_EQ(KeyLayout::hashSlot("bar{hash_tag}"), 2515);
    // "{}" is not a tag: the whole key is hashed.
    EXPECT_EQ(KeyLayout::hashTag("foo{}{bar}"), "foo{}{bar}");
    EXPECT_EQ(KeyLayout::hashTag("foo{{bar}}zap"), "{bar");
    EXPECT_EQ(KeyLayout::hashTag("foo{bar}{zap}"), "bar");
}

TEST(KeyLayout, RefusesTenantNamesThatCouldBreakTheLayout) {
    for (const char* bad : {"", "-x", "Upper", "a:b", "a{b}", "a b", "a/b",
                            "0123456789012345678901234567890123456789012345678901234567890123"}) {
        const auto layout = KeyLayout::forTenant(bad);
        ASSERT_FALSE(layout.ok()) << bad;
        EXPECT_EQ(layout.problem().type, acme::ErrorType::malformed);
    }
    EXPECT_TRUE(KeyLayout::forTenant("a.b_c-9").ok());
}

}  // namespace
}  // namespace legate::store
