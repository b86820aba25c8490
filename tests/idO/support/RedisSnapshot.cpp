#include "tests/idO/support/RedisSnapshot.h"

#include <algorithm>
#include <ostream>
#include <stdexcept>

namespace legate::ido {
namespace {

store::RedisReply must(Result<store::RedisReply> reply, const std::string& what) {
    auto checked = store::rejectErrorReply(std::move(reply));
    if (!checked.ok()) {
        throw std::runtime_error("RedisSnapshot: " + what + ": " + checked.problem().detail);
    }
    return std::move(checked).value();
}

std::vector<std::string> allKeys(store::RedisPool& pool) {
    std::vector<std::string> keys;
    std::string cursor = "0";
    do {
        auto page = must(pool.command({"SCAN", cursor, "COUNT", "1000"}), "SCAN");
        if (page.elements().size() != 2) {
            throw std::runtime_error("RedisSnapshot: unexpected SCAN reply " + page.toString());
        }
        cursor = page.elements()[0].text();
        for (const auto& k : page.elements()[1].elements()) {
            keys.push_back(k.text());
        }
    } while (cursor != "0");
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
}

/// HGETALL / SMEMBERS replies in a canonical order (Redis gives no order for them).
std::string sortedPairs(const store::RedisReply& reply) {
    std::vector<std::string> pairs;
    const auto& e = reply.elements();
    for (size_t i = 0; i + 1 < e.size(); i += 2) {
        pairs.push_back(store::RedisReply::array({e[i], e[i + 1]}).toString());
    }
    std::sort(pairs.begin(), pairs.end());
    std::string out;
    for (const auto& p : pairs) {
        out += p;
    }
    return out;
}

std::string sortedMembers(const store::RedisReply& reply) {
    std::vector<std::string> members;
    for (const auto& m : reply.elements()) {
        members.push_back(m.toString());
    }
    std::sort(members.begin(), members.end());
    std::string out;
    for (const auto& m : members) {
        out += m + ",";
    }
    return out;
}

}  // namespace

bool RedisSnapshot::ignored(const std::string& key) {
    return key.find(":nonce:") != std::string::npos || key.find(":rate:") != std::string::npos;
}

RedisSnapshot RedisSnapshot::take(store::RedisPool& pool) {
    RedisSnapshot snapshot;
    for (const auto& key : allKeys(pool)) {
        if (ignored(key)) {
            continue;
        }
        const auto type = must(pool.command({"TYPE", key}), "TYPE " + key).text();
        std::string contents;
        if (type == "none") {
            continue;  // expired between SCAN and TYPE
        } else if (type == "string") {
            contents = must(pool.command({"GET", key}), "GET").toString();
        } else if (type == "hash") {
            contents = sortedPairs(must(pool.command({"HGETALL", key}), "HGETALL"));
        } else if (type == "set") {
            contents = sortedMembers(must(pool.command({"SMEMBERS", key}), "SMEMBERS"));
        } else if (type == "zset") {
            contents =
                must(pool.command({"ZRANGE", key, "0", "-1", "WITHSCORES"}), "ZRANGE").toString();
        } else if (type == "list") {
            contents = must(pool.command({"LRANGE", key, "0", "-1"}), "LRANGE").toString();
        } else if (type == "stream") {
            contents = must(pool.command({"XRANGE", key, "-", "+"}), "XRANGE").toString();
        } else {
            contents = "(unsupported type)";
        }
        snapshot.lines_.push_back(key + " " + type + " " + contents);
    }
    return snapshot;
}

std::string RedisSnapshot::text() const {
    std::string out;
    for (const auto& line : lines_) {
        out += line + "\n";
    }
    return out;
}

void PrintTo(const RedisSnapshot& snapshot, std::ostream* os) {
    *os << "\n" << snapshot.text();
}

}  // namespace legate::ido
