#include "idO/relay/RelayState.h"

#include "broker/store/LuaScript.h"
#include "broker/store/RedisReply.h"

namespace legate::ido::relay {
namespace {

using store::Retry;

// KEYS: lock, fence.  ARGV: ttl ms.  A fresh token when the lock was free, else nil.
const store::LuaScript& lockScript() {
    static const store::LuaScript script(R"LUA(
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], tostring(token), 'PX', ARGV[1])
return token
)LUA");
    return script;
}

// KEYS: lock.  ARGV: token, ttl ms ('' = release).  1 when the lock was ours.
const store::LuaScript& renewScript() {
    static const store::LuaScript script(R"LUA(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
)LUA");
    return script;
}

// KEYS: lock, record, audit.  ARGV: token, order id, step, now, n fields, field/value...,
// fields to delete...
const store::LuaScript& updateScript() {
    static const store::LuaScript script(R"LUA(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local n = tonumber(ARGV[5])
local i = 6
if n > 0 then
  local args = {}
  for k = 0, 2 * n - 1 do args[#args + 1] = ARGV[i + k] end
  redis.call('HSET', KEYS[2], unpack(args))
end
i = i + 2 * n
if i <= #ARGV then
  local del = {}
  for k = i, #ARGV do del[#del + 1] = ARGV[k] end
  redis.call('HDEL', KEYS[2], unpack(del))
end
if ARGV[3] ~= '' then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', '1000000', '*', 'what', 'relay', 'id', ARGV[2],
             'to', ARGV[3], 'fence', ARGV[1], 'at', ARGV[4])
end
return 1
)LUA");
    return script;
}

// KEYS: schedule, stream.  ARGV: now ms, limit, lease ms, job kind.
const store::LuaScript& moveDueScript() {
    static const store::LuaScript script(R"LUA(
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local until_ = tonumber(ARGV[1]) + tonumber(ARGV[3])
for _, id in ipairs(due) do
  redis.call('ZADD', KEYS[1], until_, id)
  redis.call('XADD', KEYS[2], '*', 'kind', ARGV[4], 'order', id, 'at', ARGV[1])
end
return #due
)LUA");
    return script;
}

// KEYS: into, out of.  ARGV: due ms, order id.  One set at a time.
const store::LuaScript& scheduleScript() {
    static const store::LuaScript script(R"LUA(
redis.call('ZREM', KEYS[2], ARGV[2])
return redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
)LUA");
    return script;
}

// KEYS: bucket.  ARGV: wanted, capacity, period ms, now ms.  Tokens granted.
const store::LuaScript& budgetScript() {
    static const store::LuaScript script(R"LUA(
local wanted = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or cap
local ts = tonumber(b[2]) or now
if now > ts then tokens = math.min(cap, tokens + (now - ts) * cap / period) end
local granted = math.min(wanted, math.floor(tokens))
if granted < 0 then granted = 0 end
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], period * 2)
return granted
)LUA");
    return script;
}

// KEYS: one sorted set per limit.  ARGV: now ms, member, take ('1'/'0'), then per key:
// limit, period ms.  {0} when every limit has room (member added to each with `take`),
// else {index of the full limit (1-based), ms when it has room again}.  A set never holds
// more than its limit (nothing is added once full) and expires a period after its last
// addition, so memory stays bounded by the limits configured.
const store::LuaScript& certificateLimitScript() {
    static const store::LuaScript script(R"LUA(
local now = tonumber(ARGV[1])
local freeAt = 0
local blocked = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 + 2 * i])
  local period = tonumber(ARGV[3 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)
  if not redis.call('ZSCORE', key, ARGV[2]) then
    local n = redis.call('ZCARD', key)
    if n >= limit then
      local oldest = redis.call('ZRANGE', key, n - limit, n - limit, 'WITHSCORES')
      local at = tonumber(oldest[2]) + period + 1
      if at > freeAt then
        freeAt = at
        blocked = i
      end
    end
  end
end
if blocked > 0 then return {blocked, freeAt} end
if ARGV[3] == '1' then
  for i, key in ipairs(KEYS) do
    if not redis.call('ZSCORE', key, ARGV[2]) then
      redis.call('ZADD', key, now, ARGV[2])
    end
    redis.call('PEXPIRE', key, tonumber(ARGV[3 + 2 * i]))
  end
end
return {0}
)LUA");
    return script;
}

Result<store::RedisReply> checked(Result<store::RedisReply> reply) {
    return store::rejectErrorReply(std::move(reply));
}

acme::Problem unexpectedReply(const std::string& what, const store::RedisReply& reply) {
    return acme::Problem::make(acme::ErrorType::serverInternal,
                               "redis: unexpected answer to " + what + ": " + reply.toString());
}

}  // namespace

std::string fieldOf(const FieldMap& record, const std::string& name) {
    auto it = record.find(name);
    return it == record.end() ? std::string() : it->second;
}

const log::Logger& relayLogger() {
    static const log::Logger instance("relay");
    return instance;
}

RelayState::RelayState(store::RedisPool& pool, TenantKeys keys, const Clock& clock)
    : pool_(pool), keys_(std::move(keys)), clock_(clock) {}

int64_t RelayState::nowMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
        .count();
}

Status RelayState::ensureGroup() {
    auto reply =
        pool_.command({"XGROUP", "CREATE", keys_.relayStream(), kRelayGroup, "0", "MKSTREAM"});
    LEGATE_TRY(reply);
    if (reply->isError() && !reply->isErrorCode("BUSYGROUP")) {
        return unexpectedReply("XGROUP CREATE", *reply);
    }
    return okStatus();
}

Result<std::vector<Job>> RelayState::jobsOf(const store::RedisReply& entries) {
    std::vector<Job> jobs;
    for (const auto& entry : entries.elements()) {
        const auto& e = entry.elements();
        if (e.size() != 2) {
            continue;  // an entry deleted while pending (XAUTOCLAIM before Redis 7)
        }
        Job job;
        job.id = e[0].text();
        const auto& fields = e[1].elements();
        for (size_t i = 0; i + 1 < fields.size(); i += 2) {
            const auto& name = fields[i].text();
            if (name == "kind") {
                job.kind = fields[i + 1].text();
            } else if (name == "order") {
                job.order = fields[i + 1].text();
            } else if (name == "delegation") {
                job.delegation = fields[i + 1].text();
            }
        }
        jobs.push_back(std::move(job));
    }
    return jobs;
}

Result<std::vector<Job>> RelayState::readJobs(const std::string& consumer, int count,
                                              std::chrono::milliseconds block) {
    auto reply = checked(
        pool_.command({"XREADGROUP", "GROUP", kRelayGroup, consumer, "COUNT", std::to_string(count),
                       "BLOCK", std::to_string(block.count()), "STREAMS", keys_.relayStream(), ">"},
                      Retry::Never));
    if (!reply.ok() && reply.problem().detail.find("NOGROUP") != std::string::npos) {
        // The stream was deleted behind our back (FLUSHALL in a test, an operator):
        // make the group again rather than failing forever.
        LEGATE_TRY(ensureGroup());
        return std::vector<Job>{};
    }
    LEGATE_TRY(reply);
    if (reply->isNil()) {
        return std::vector<Job>{};
    }
    for (const auto& stream : reply->elements()) {
        if (stream.elements().size() == 2) {
            return jobsOf(stream.elements()[1]);
        }
    }
    return std::vector<Job>{};
}

Result<std::vector<Job>> RelayState::claimIdle(const std::string& consumer,
                                               std::chrono::milliseconds minIdle, int count) {
    auto reply = checked(
        pool_.command({"XAUTOCLAIM", keys_.relayStream(), kRelayGroup, consumer,
                       std::to_string(minIdle.count()), "0-0", "COUNT", std::to_string(count)}));
    LEGATE_TRY(reply);
    if (reply->elements().size() < 2) {
        return unexpectedReply("XAUTOCLAIM", *reply);
    }
    return jobsOf(reply->elements()[1]);
}

Status RelayState::touch(const std::string& consumer, const std::string& jobId) {
    auto reply = checked(pool_.command(
        {"XCLAIM", keys_.relayStream(), kRelayGroup, consumer, "0", jobId, "JUSTID"}));
    LEGATE_TRY(reply);
    return okStatus();
}

Status RelayState::ack(const std::string& jobId) {
    auto reply = checked(pool_.command({"XACK", keys_.relayStream(), kRelayGroup, jobId}));
    LEGATE_TRY(reply);
    return okStatus();
}

Result<std::optional<int64_t>> RelayState::lock(const std::string& orderId,
                                                std::chrono::milliseconds ttl) {
    auto reply = checked(lockScript().run(pool_, {keys_.relayLock(orderId), keys_.fence()},
                                          {std::to_string(ttl.count())}, Retry::Never));
    LEGATE_TRY(reply);
    if (auto token = reply->asInteger()) {
        return std::optional<int64_t>{*token};
    }
    return std::optional<int64_t>{};
}

Result<bool> RelayState::renewLock(const std::string& orderId, int64_t token,
                                   std::chrono::milliseconds ttl) {
    auto reply = checked(renewScript().run(pool_, {keys_.relayLock(orderId)},
                                           {std::to_string(token), std::to_string(ttl.count())}));
    LEGATE_TRY(reply);
    return reply->asInteger().value_or(0) == 1;
}

Status RelayState::unlock(const std::string& orderId, int64_t token) {
    auto reply =
        checked(renewScript().run(pool_, {keys_.relayLock(orderId)}, {std::to_string(token), ""}));
    LEGATE_TRY(reply);
    return okStatus();
}

Result<FieldMap> RelayState::record(const std::string& orderId) {
    auto reply = checked(pool_.command({"HGETALL", keys_.relay(orderId)}));
    LEGATE_TRY(reply);
    return fieldsOf(*reply);
}

Result<bool> RelayState::update(const std::string& orderId, int64_t token, const FieldMap& fields,
                                const std::vector<std::string>& remove, const std::string& step) {
    std::vector<std::string> args = {std::to_string(token), orderId, step, timeField(clock_.now()),
                                     std::to_string(fields.size())};
    for (const auto& [name, value] : fields) {
        args.push_back(name);
        args.push_back(value);
    }
    args.insert(args.end(), remove.begin(), remove.end());
    auto reply = checked(updateScript().run(
        pool_, {keys_.relayLock(orderId), keys_.relay(orderId), keys_.auditStream()}, args));
    LEGATE_TRY(reply);
    return reply->asInteger().value_or(0) == 1;
}

Result<RelayProgress> RelayState::progress(const std::string& orderId) {
    auto fields = record(orderId);
    LEGATE_TRY(fields);
    return RelayProgress::parse(*fields);
}

Result<bool> RelayState::save(const std::string& orderId, int64_t token,
                              const RelayProgress& progress, const std::string& step) {
    return update(orderId, token, progress.fields(), progress.absentFields(), step);
}

Status RelayState::schedule(const std::string& into, const std::string& outOf,
                            const std::string& orderId, TimePoint due) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(due.time_since_epoch()).count();
    auto reply = checked(scheduleScript().run(pool_, {into, outOf}, {std::to_string(ms), orderId}));
    LEGATE_TRY(reply);
    return okStatus();
}

Status RelayState::wakeAt(const std::string& orderId, TimePoint due) {
    return schedule(keys_.renewals(), keys_.relayPolls(), orderId, due);
}

Status RelayState::pollAt(const std::string& orderId, TimePoint due) {
    return schedule(keys_.relayPolls(), keys_.renewals(), orderId, due);
}

Status RelayState::unschedule(const std::string& orderId) {
    auto replies = pool_.pipeline(
        {{"ZREM", keys_.renewals(), orderId}, {"ZREM", keys_.relayPolls(), orderId}});
    LEGATE_TRY(replies);
    for (const auto& reply : *replies) {
        if (reply.isError()) {
            return unexpectedReply("ZREM", reply);
        }
    }
    return okStatus();
}

Result<int64_t> RelayState::moveDue(int64_t limit, std::chrono::milliseconds lease) {
    if (limit <= 0) {
        return int64_t{0};
    }
    auto reply = checked(moveDueScript().run(
        pool_, {keys_.renewals(), keys_.relayStream()},
        {std::to_string(nowMs()), std::to_string(limit), std::to_string(lease.count()), "renew"},
        Retry::Never));
    LEGATE_TRY(reply);
    return reply->asInteger().value_or(0);
}

Result<int64_t> RelayState::moveDuePolls(int64_t limit, std::chrono::milliseconds lease) {
    if (limit <= 0) {
        return int64_t{0};
    }
    auto reply = checked(moveDueScript().run(
        pool_, {keys_.relayPolls(), keys_.relayStream()},
        {std::to_string(nowMs()), std::to_string(limit), std::to_string(lease.count()), "poll"},
        Retry::Never));
    LEGATE_TRY(reply);
    return reply->asInteger().value_or(0);
}

Result<int64_t> RelayState::dueCount() {
    auto reply =
        checked(pool_.command({"ZCOUNT", keys_.renewals(), "-inf", std::to_string(nowMs())}));
    LEGATE_TRY(reply);
    return reply->asInteger().value_or(0);
}

Result<int64_t> RelayState::scheduledCount() {
    auto reply = checked(pool_.command({"ZCARD", keys_.renewals()}));
    LEGATE_TRY(reply);
    return reply->asInteger().value_or(0);
}

Result<std::optional<TimePoint>> RelayState::dueTime(const std::string& orderId) {
    return scoreIn(keys_.renewals(), orderId);
}

Result<std::optional<TimePoint>> RelayState::pollTime(const std::string& orderId) {
    return scoreIn(keys_.relayPolls(), orderId);
}

Result<std::optional<TimePoint>> RelayState::nextPoll() {
    auto reply = checked(pool_.command({"ZRANGE", keys_.relayPolls(), "0", "0", "WITHSCORES"}));
    LEGATE_TRY(reply);
    const auto& pair = reply->elements();
    if (pair.size() != 2 || !pair[1].asString()) {
        return std::optional<TimePoint>{};
    }
    const auto ms = static_cast<int64_t>(std::stod(*pair[1].asString()));
    return std::optional<TimePoint>{
        TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)))};
}

Result<std::optional<TimePoint>> RelayState::scoreIn(const std::string& set,
                                                     const std::string& orderId) {
    auto reply = checked(pool_.command({"ZSCORE", set, orderId}));
    LEGATE_TRY(reply);
    auto text = reply->asString();
    if (!text) {
        return std::optional<TimePoint>{};
    }
    const auto ms = static_cast<int64_t>(std::stod(*text));
    return std::optional<TimePoint>{
        TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)))};
}

Result<int64_t> RelayState::takeBudget(int64_t wanted, int64_t orders,
                                       std::chrono::seconds period) {
    auto reply = checked(budgetScript().run(
        pool_, {keys_.upstreamBudget()},
        {std::to_string(wanted), std::to_string(orders),
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(period).count()),
         std::to_string(nowMs())},
        Retry::Never));
    LEGATE_TRY(reply);
    return reply->asInteger().value_or(0);
}

Result<LimitVerdict> RelayState::certificateLimits(const std::vector<CertificateLimit>& limits,
                                                   const std::string& member, bool take) {
    if (limits.empty()) {
        return LimitVerdict{};
    }
    std::vector<std::string> keys;
    std::vector<std::string> args = {std::to_string(nowMs()), member, take ? "1" : "0"};
    for (const auto& limit : limits) {
        keys.push_back(keys_.certificateLimit(limit.key));
        args.push_back(std::to_string(limit.limit));
        args.push_back(std::to_string(
            std::chrono::duration_cast<std::chrono::milliseconds>(limit.period).count()));
    }
    auto reply = checked(certificateLimitScript().run(pool_, keys, args, Retry::Never));
    LEGATE_TRY(reply);
    const auto& e = reply->elements();
    if (e.empty()) {
        return unexpectedReply("the certificate limits script", *reply);
    }
    const auto blocked = e[0].asInteger().value_or(0);
    if (blocked <= 0) {
        return LimitVerdict{};
    }
    if (e.size() < 2 || static_cast<size_t>(blocked) > limits.size()) {
        return unexpectedReply("the certificate limits script", *reply);
    }
    LimitVerdict verdict;
    verdict.allowed = false;
    verdict.limit = limits[static_cast<size_t>(blocked) - 1].name;
    verdict.key = limits[static_cast<size_t>(blocked) - 1].key;
    const auto ms = e[1].asInteger().value_or(0);
    verdict.freeAt =
        TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
    return verdict;
}

Result<std::optional<std::string>> RelayState::fact(const std::string& name) {
    auto reply = checked(pool_.command({"HGET", keys_.upstreamFacts(), name}));
    LEGATE_TRY(reply);
    auto text = reply->asString();
    if (!text) {
        return std::optional<std::string>{};
    }
    return std::optional<std::string>{*text};
}

Status RelayState::learn(const std::string& name, const std::string& value) {
    auto reply = checked(pool_.command({"HSET", keys_.upstreamFacts(), name, value}));
    LEGATE_TRY(reply);
    return okStatus();
}

void RelayState::count(const std::string& name, int64_t n) {
    (void)pool_.command({"HINCRBY", keys_.relayMetrics(), name, std::to_string(n)}, Retry::Never);
}

Result<nlohmann::json> RelayState::status() {
    const auto now = std::to_string(nowMs());
    auto replies = pool_.pipeline({{"HGETALL", keys_.relayMetrics()},
                                   {"ZCARD", keys_.renewals()},
                                   {"ZCOUNT", keys_.renewals(), "-inf", now},
                                   {"ZRANGE", keys_.renewals(), "0", "0", "WITHSCORES"},
                                   {"XLEN", keys_.relayStream()},
                                   {"XPENDING", keys_.relayStream(), kRelayGroup},
                                   {"ZCARD", keys_.relayPolls()},
                                   {"HGETALL", keys_.upstreamFacts()}});
    LEGATE_TRY(replies);
    const auto& r = *replies;
    nlohmann::json counters = nlohmann::json::object();
    for (const auto& [name, value] : fieldsOf(r[0])) {
        counters[name] = std::atoll(value.c_str());
    }
    nlohmann::json out = {
        {"counters", counters},
        {"renewals",
         {{"scheduled", r[1].asInteger().value_or(0)}, {"due", r[2].asInteger().value_or(0)}}},
        {"polls", {{"waiting", r[6].asInteger().value_or(0)}}},
        {"upstream", fieldsOf(r[7])},
        {"jobs",
         {{"stream-length", r[4].asInteger().value_or(0)},
          {"pending", r[5].isArray() && !r[5].elements().empty()
                          ? r[5].elements()[0].asInteger().value_or(0)
                          : 0}}}};
    if (r[3].elements().size() == 2) {
        const auto ms = static_cast<int64_t>(std::atof(r[3].elements()[1].text().c_str()));
        if (ms <= nowMs()) {
            out["renewals"]["oldest-due-seconds"] = (nowMs() - ms) / 1000;
        }
    }
    return out;
}

}  // namespace legate::ido::relay
