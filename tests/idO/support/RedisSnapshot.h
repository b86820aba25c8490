#pragma once
/// A printable dump of everything in Redis, so a test can assert that a refused request
/// changed nothing:
///
///   const auto before = RedisSnapshot::take(env.pool());
///   ... hostile request ...
///   EXPECT_EQ(RedisSnapshot::take(env.pool()), before);
///
/// Every key with its type and full contents (hash fields, set and sorted-set members
/// with scores, list items, stream entries with their ids, string values), one line per
/// key, sorted, so a difference reads as a line diff in the test failure.
///
/// Left out, because they legitimately change on a refused request: nonce keys
/// (`...:nonce:...`: the request's nonce is consumed even when it fails, and each answer
/// issues a fresh one) and rate-limit buckets (`...:rate:...`: a refused request may
/// still have cost a token).

#include <string>
#include <vector>

#include "broker/store/RedisPool.h"

namespace legate::ido {

class RedisSnapshot {
public:
    /// Reads the whole keyspace (SCAN, then one read per key).  Throws
    /// std::runtime_error when Redis cannot be read: a snapshot that silently missed
    /// keys would make "nothing changed" vacuous.
    static RedisSnapshot take(store::RedisPool& pool);

    /// True for keys the snapshot leaves out.
    static bool ignored(const std::string& key);

    const std::vector<std::string>& lines() const { return lines_; }
    /// The lines joined with '\n'.
    std::string text() const;
    bool operator==(const RedisSnapshot& other) const { return lines_ == other.lines_; }

private:
    std::vector<std::string> lines_;
};

/// For gtest failure messages: prints the whole dump.
void PrintTo(const RedisSnapshot& snapshot, std::ostream* os);

}  // namespace legate::ido
