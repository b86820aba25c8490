#pragma once
/// Shared by the store tests: a fresh redis-server per test, and helpers to talk to it.

#include <memory>

#include <gtest/gtest.h>

#include "broker/store/RedisConnection.h"
#include "broker/store/RedisUrl.h"
#include "tests/support/RedisServer.h"

namespace legate::store::testing {

/// Starts a redis-server for each test (skipped when none is installed).
class RedisTest : public ::testing::Test {
protected:
    void SetUp() override {
        LEGATE_REQUIRE_REDIS();
        server_ = std::make_unique<test::RedisServer>(serverOptions());
    }

    virtual test::RedisServer::Options serverOptions() const { return {}; }

    RedisUrl url() const { return *RedisUrl::parse(server_->url()); }

    /// A direct connection for arranging and inspecting state behind the code under test.
    RedisConnectionPtr direct() const {
        auto connection = RedisConnection::connect(url());
        EXPECT_TRUE(connection.ok()) << connection.problem().detail;
        return connection.ok() ? std::move(*connection) : nullptr;
    }

    std::unique_ptr<test::RedisServer> server_;
};

}  // namespace legate::store::testing
