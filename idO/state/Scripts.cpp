#include "idO/state/Scripts.h"

#include <map>
#include <memory>
#include <mutex>

namespace legate::ido::scripts {
namespace {

// Appends one audit entry.  Used by every script below (textually included).
constexpr const char* kAudit = R"LUA(
local function audit(stream, ...)
  redis.call('XADD', stream, 'MAXLEN', '~', '1000000', '*', ...)
end
-- Open orders (ready or processing) sit in three sorted sets scored by their expires
-- (docs/state.md, "Open-order caps"): the account's, the delegation's and the tenant's.
-- Frees the order's slots; idempotent.  okey = <prefix>order:<oid>.
local function release_open(okey, oid)
  local prefix = string.sub(okey, 1, #okey - #oid - 6)
  local o = redis.call('HMGET', okey, 'account', 'delegation')
  redis.call('ZREM', prefix .. 'open-orders', oid)
  if o[1] then redis.call('ZREM', prefix .. 'acct:' .. o[1] .. ':open', oid) end
  if o[2] then redis.call('ZREM', prefix .. 'deleg:' .. o[2] .. ':open', oid) end
end
-- A delegation's orders index (deleg:<id>:orders) is a sorted set scored by creation
-- time; releases before 2026-12 kept a set (a Redis 7.0 set of strings is a hash table,
-- ~150 B more per delegation than a one-member sorted set, and SSCAN pages come in no
-- order, possibly twice).  A set found here becomes the sorted set, its old members
-- first (score 0, by id); idempotent.
-- True when it converted.
local function orders_index(key)
  if redis.call('TYPE', key).ok ~= 'set' then return false end
  local members = redis.call('SMEMBERS', key)
  redis.call('DEL', key)
  for _, m in ipairs(members) do redis.call('ZADD', key, 0, m) end
  return true
end
-- A ready order past its expires becomes invalid (RFC 8555 section 7.1.6) and frees its
-- slots; true when it did.  now: seconds.
local function expire_if_due(okey, oid, now, audit_key)
  local o = redis.call('HMGET', okey, 'status', 'expires')
  if o[1] ~= 'ready' and o[1] ~= 'pending' then return false end
  local expires = tonumber(o[2] or '')
  if not expires or expires > now then return false end
  redis.call('HSET', okey, 'status', 'invalid', 'error', cjson.encode({
    type = 'urn:ietf:params:acme:error:orderNotReady', status = 403,
    detail = 'the order expired before it was finalized'}))
  release_open(okey, oid)
  audit(audit_key, 'what', 'order', 'id', oid, 'from', o[1], 'to', 'invalid',
        'why', 'expired', 'at', tostring(now))
  return true
end
)LUA";

const store::LuaScript& script(const char* body) {
    // One LuaScript per body, built once (function-local statics are thread-safe).
    static std::mutex mutex;
    static std::map<const char*, std::unique_ptr<store::LuaScript>> cache;
    std::lock_guard lock(mutex);
    auto& slot = cache[body];
    if (!slot) {
        slot = std::make_unique<store::LuaScript>(std::string(kAudit) + body);
    }
    return *slot;
}

}  // namespace

// KEYS: ndc, ndcs, eab, audit.  ARGV: id, name, contact, kid, hmac_key, now.
const store::LuaScript& createNdc() {
    return script(R"LUA(
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[3]) == 1 then
  return {'exists'}
end
redis.call('HSET', KEYS[1], 'name', ARGV[2], 'contact', ARGV[3], 'eab_kid', ARGV[4],
           'account', '', 'created', ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
redis.call('HSET', KEYS[3], 'hmac_key', ARGV[5], 'ndc', ARGV[1], 'account', '')
audit(KEYS[4], 'what', 'ndc', 'id', ARGV[1], 'to', 'created', 'at', ARGV[6])
return {'ok'}
)LUA");
}

// KEYS: eab, account, account-by-key, ndc, audit.
// ARGV: account id, jwk, thumbprint, contact JSON, now, ndc id, kid.
const store::LuaScript& bindAccount() {
    return script(R"LUA(
local eab = redis.call('HMGET', KEYS[1], 'ndc', 'account')
if not eab[1] or eab[1] ~= ARGV[6] then return {'no-eab'} end
local existing = redis.call('GET', KEYS[3])
if existing then return {'key-exists', existing} end
if eab[2] and eab[2] ~= '' then return {'eab-used', eab[2]} end
redis.call('HSET', KEYS[2], 'ndc', ARGV[6], 'status', 'valid', 'jwk', ARGV[2],
           'thumbprint', ARGV[3], 'contact', ARGV[4], 'eab_kid', ARGV[7], 'created', ARGV[5])
redis.call('SET', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[1], 'account', ARGV[1])
redis.call('HSET', KEYS[4], 'account', ARGV[1])
audit(KEYS[5], 'what', 'account', 'id', ARGV[1], 'to', 'valid', 'ndc', ARGV[6], 'at', ARGV[5])
return {'ok'}
)LUA");
}

// KEYS: account, audit.  ARGV: contact JSON, now, account id, events channel.
const store::LuaScript& updateContact() {
    return script(R"LUA(
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'valid' then return {'not-valid', st or ''} end
redis.call('HSET', KEYS[1], 'contact', ARGV[1])
redis.call('PUBLISH', ARGV[4], 'acct:' .. ARGV[3])
audit(KEYS[2], 'what', 'account', 'id', ARGV[3], 'to', 'contact-updated', 'at', ARGV[2])
return {'ok'}
)LUA");
}

// KEYS: account, audit.  ARGV: account id, now, events channel.
const store::LuaScript& deactivateAccount() {
    return script(R"LUA(
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'valid' then return {'not-valid', st or ''} end
redis.call('HSET', KEYS[1], 'status', 'deactivated')
redis.call('PUBLISH', ARGV[3], 'acct:' .. ARGV[1])
audit(KEYS[2], 'what', 'account', 'id', ARGV[1], 'from', 'valid', 'to', 'deactivated',
      'at', ARGV[2])
return {'ok'}
)LUA");
}

// KEYS: account, old-key index, new-key index, audit.
// ARGV: account id, old thumbprint, new thumbprint, new jwk, now, events channel.
const store::LuaScript& changeKey() {
    return script(R"LUA(
local st = redis.call('HMGET', KEYS[1], 'status', 'thumbprint')
if st[1] ~= 'valid' then return {'not-valid', st[1] or ''} end
if st[2] ~= ARGV[2] then
  if st[2] == ARGV[3] then return {'ok'} end
  return {'old-key-mismatch'}
end
local other = redis.call('GET', KEYS[3])
if other then return {'key-exists', other} end
redis.call('HSET', KEYS[1], 'jwk', ARGV[4], 'thumbprint', ARGV[3])
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[3], ARGV[1])
redis.call('PUBLISH', ARGV[6], 'acct:' .. ARGV[1])
audit(KEYS[4], 'what', 'account', 'id', ARGV[1], 'to', 'key-changed', 'at', ARGV[5])
return {'ok'}
)LUA");
}

// KEYS: delegation, ndc's delegations, ndc, audit, relay stream.
// ARGV: id, ndc, template, cname map, allowed suffixes, star policy, profile, now,
//       implicit policy, termination ('' = the tenant's default).
// A relay job tells the upstream side (CNAME map installed at creation, when so
// configured).
const store::LuaScript& createDelegation() {
    return script(R"LUA(
if redis.call('EXISTS', KEYS[3]) == 0 then return {'no-ndc'} end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists'} end
redis.call('HSET', KEYS[1], 'ndc', ARGV[2], 'template', ARGV[3], 'cname_map', ARGV[4],
           'allowed_suffixes', ARGV[5], 'star', ARGV[6], 'profile', ARGV[7],
           'status', 'active', 'created', ARGV[8], 'implicit', ARGV[9],
           'termination', ARGV[10])
redis.call('ZADD', KEYS[2], ARGV[8], ARGV[1])
audit(KEYS[4], 'what', 'delegation', 'id', ARGV[1], 'to', 'active', 'ndc', ARGV[2],
      'at', ARGV[8])
if ARGV[4] ~= '' and ARGV[4] ~= 'null' and ARGV[4] ~= '{}' then
  redis.call('XADD', KEYS[5], '*', 'kind', 'delegation-created', 'delegation', ARGV[1],
             'at', ARGV[8])
end
return {'ok'}
)LUA");
}

// KEYS: delegation, audit.  ARGV: id, termination ('' = the tenant's default), now.
const store::LuaScript& setDelegationTermination() {
    return script(R"LUA(
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {'not-found'} end
if st ~= 'active' then return {'already', st} end
redis.call('HSET', KEYS[1], 'termination', ARGV[2])
audit(KEYS[2], 'what', 'delegation', 'id', ARGV[1], 'to', 'termination:' .. ARGV[2],
      'at', ARGV[3])
return {'ok'}
)LUA");
}

// KEYS: delegation, audit.  ARGV: id, now.
// Step 1 of terminating a delegation: from now on no order starts under it (createOrder
// checks the status).  The orders are ended in bounded chunks by terminateOrders.
const store::LuaScript& markDelegationTerminated() {
    return script(R"LUA(
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {'not-found'} end
if st ~= 'active' then return {'already', st} end
redis.call('HSET', KEYS[1], 'status', 'terminated', 'terminated', ARGV[2], 'pending_orders', '1')
audit(KEYS[2], 'what', 'delegation', 'id', ARGV[1], 'from', 'active', 'to', 'terminated',
      'at', ARGV[2])
return {'ok'}
)LUA");
}

// KEYS: delegation, delegation's orders, relay stream, audit.
// ARGV: id, now, state prefix, events channel, chunk size.
// Step 2, repeated until it answers 'done': ends about `chunk size` of the terminated
// delegation's orders (live ones canceled, their publications canceled, their open-order
// slots freed), walking the orders index by rank and keeping the next rank in the
// delegation's hash, so each call makes progress and a retry after a crash resumes where
// the last completed call stopped.  Ending an order twice changes nothing (idempotent).
// The index cannot change meanwhile: createOrder refuses a terminated delegation, and
// nothing removes from it.  The last call queues the relay job.
const store::LuaScript& terminateOrders() {
    return script(R"LUA(
local d = redis.call('HMGET', KEYS[1], 'status', 'pending_orders', 'terminate_cursor')
if not d[1] then return {'not-found'} end
if d[1] ~= 'terminated' then return {'not-terminated', d[1]} end
if d[2] ~= '1' then return {'done', '0'} end
local canceled = 0
-- A cursor left by an older release is an SSCAN cursor, not a rank: start over (ending
-- an order twice changes nothing).
local from = tonumber(d[3] or '0') or 0
if orders_index(KEYS[2]) then from = 0 end
local chunk = math.max(1, tonumber(ARGV[5]))
local ids = redis.call('ZRANGE', KEYS[2], from, from + chunk - 1)
for _, oid in ipairs(ids) do
  local okey = ARGV[3] .. 'order:' .. oid
  local o = redis.call('HMGET', okey, 'status', 'cert')
  if o[1] == 'ready' or o[1] == 'processing' or o[1] == 'valid' then
    redis.call('HSET', okey, 'status', 'canceled', 'expires', ARGV[2])
    canceled = canceled + 1
    audit(KEYS[4], 'what', 'order', 'id', oid, 'from', o[1], 'to', 'canceled',
          'why', 'delegation-terminated', 'at', ARGV[2])
  end
  release_open(okey, oid)
  if o[2] and o[2] ~= '' then
    local ckey = ARGV[3] .. 'cert:' .. o[2]
    if redis.call('HGET', ckey, 'state') ~= 'canceled' then
      redis.call('HSET', ckey, 'state', 'canceled')
      redis.call('HINCRBY', ckey, 'version', 1)
      redis.call('PUBLISH', ARGV[4], 'cert:' .. o[2])
    end
  end
end
if redis.call('ZCARD', KEYS[2]) > from + chunk then
  redis.call('HSET', KEYS[1], 'terminate_cursor', tostring(from + chunk))
  return {'more', tostring(canceled)}
end
redis.call('HDEL', KEYS[1], 'pending_orders', 'terminate_cursor')
redis.call('XADD', KEYS[3], '*', 'kind', 'terminate', 'delegation', ARGV[1], 'at', ARGV[2])
audit(KEYS[4], 'what', 'delegation', 'id', ARGV[1], 'to', 'orders-ended', 'at', ARGV[2])
return {'done', tostring(canceled)}
)LUA");
}

// KEYS: delegation's orders.  ARGV: first rank, last rank (-1: to the end).
// The delegation's order ids oldest first (a set left by an older release is converted
// first: orders_index).
const store::LuaScript& ordersOfDelegation() {
    return script(R"LUA(
orders_index(KEYS[1])
return redis.call('ZRANGE', KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
)LUA");
}

// KEYS: order, account's orders, delegation's orders, delegation, account, cert, audit,
//       account's open orders, delegation's open orders, tenant's open orders.
// ARGV: id, account, delegation, identifiers, auto_renewal, allow_certificate_get,
//       not_before, not_after, expires, now, cert token, star, end date, implicit,
//       open orders per account, per delegation, state prefix.
// The open-order caps are checked in the same script that stores the order, so two
// concurrent newOrders cannot both take the last slot.  A set at its cap is first pruned
// of orders that ended or expired (bounded by the cap), so a missed release can never
// lock an account out.  Refused: {'limit', '<account|delegation> <retry seconds>'}.
const store::LuaScript& createOrder() {
    return script(R"LUA(
local acct = redis.call('HMGET', KEYS[5], 'status', 'ndc')
if acct[1] ~= 'valid' then return {'account-not-valid'} end
local deleg = redis.call('HMGET', KEYS[4], 'status', 'ndc')
if deleg[1] ~= 'active' or deleg[2] ~= acct[2] then return {'unknown-delegation'} end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists'} end
local now = tonumber(ARGV[10])
local function open_count(key, cap)
  local n = redis.call('ZCARD', key)
  if n < cap then return n end
  for _, oid in ipairs(redis.call('ZRANGE', key, 0, cap + 99)) do
    local okey = ARGV[17] .. 'order:' .. oid
    local st = redis.call('HGET', okey, 'status')
    if st ~= 'ready' and st ~= 'pending' and st ~= 'processing' then
      release_open(okey, oid)
      redis.call('ZREM', key, oid)
    else
      expire_if_due(okey, oid, now, KEYS[7])
    end
  end
  return redis.call('ZCARD', key)
end
local function retry_after(key)
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  local wait = 60
  if first[2] then wait = tonumber(first[2]) - now end
  return tostring(math.max(10, math.min(3600, wait)))
end
if open_count(KEYS[8], tonumber(ARGV[15])) >= tonumber(ARGV[15]) then
  return {'limit', 'account ' .. retry_after(KEYS[8])}
end
if open_count(KEYS[9], tonumber(ARGV[16])) >= tonumber(ARGV[16]) then
  return {'limit', 'delegation ' .. retry_after(KEYS[9])}
end
redis.call('HSET', KEYS[1], 'account', ARGV[2], 'delegation', ARGV[3], 'status', 'ready',
           'identifiers', ARGV[4], 'auto_renewal', ARGV[5], 'allow_certificate_get', ARGV[6],
           'not_before', ARGV[7], 'not_after', ARGV[8], 'expires', ARGV[9], 'created', ARGV[10],
           'cert', ARGV[11], 'implicit', ARGV[14])
redis.call('ZADD', KEYS[2], ARGV[10], ARGV[1])
orders_index(KEYS[3])
redis.call('ZADD', KEYS[3], ARGV[10], ARGV[1])
redis.call('ZADD', KEYS[8], ARGV[9], ARGV[1])
redis.call('ZADD', KEYS[9], ARGV[9], ARGV[1])
redis.call('ZADD', KEYS[10], ARGV[9], ARGV[1])
redis.call('HSET', KEYS[6], 'order', ARGV[1], 'state', 'pending', 'allow_get', ARGV[6],
           'star', ARGV[12], 'end_date', ARGV[13], 'version', '0')
audit(KEYS[7], 'what', 'order', 'id', ARGV[1], 'to', 'ready', 'delegation', ARGV[3],
      'at', ARGV[10])
return {'ok'}
)LUA");
}

// KEYS: tenant's open orders, audit.  ARGV: now (seconds), batch size.
// The expiry sweep: at most `batch size` open orders whose expires has passed.  A ready
// one becomes invalid and frees its slots; a processing one belongs to the relay, which
// ends it valid or invalid (and frees its slots then), so it only leaves the sweep's
// index.  Answers {'ok', expired count, more ('1'/'0')}.
const store::LuaScript& sweepExpiredOrders() {
    return script(R"LUA(
local now = tonumber(ARGV[1])
local prefix = string.sub(KEYS[1], 1, #KEYS[1] - string.len('open-orders'))
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local expired = 0
for _, oid in ipairs(due) do
  local okey = prefix .. 'order:' .. oid
  if expire_if_due(okey, oid, now, KEYS[2]) then
    expired = expired + 1
  else
    local st = redis.call('HGET', okey, 'status')
    if st ~= 'processing' then release_open(okey, oid) end
    redis.call('ZREM', KEYS[1], oid)
  end
end
local more = '0'
if #due == tonumber(ARGV[2]) then more = '1' end
return {'ok', tostring(expired), more}
)LUA");
}

// KEYS: order, relay stream, audit.  ARGV: id, csr, now.
// A ready order past its expires is made invalid instead (reason expired).
const store::LuaScript& acceptFinalize() {
    return script(R"LUA(
if expire_if_due(KEYS[1], ARGV[1], tonumber(ARGV[3]), KEYS[3]) then return {'expired'} end
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'ready' then return {'not-ready', st or ''} end
redis.call('HSET', KEYS[1], 'status', 'processing', 'csr', ARGV[2])
redis.call('XADD', KEYS[2], '*', 'kind', 'finalize', 'order', ARGV[1], 'at', ARGV[3])
audit(KEYS[3], 'what', 'order', 'id', ARGV[1], 'from', 'ready', 'to', 'processing',
      'at', ARGV[3])
return {'ok'}
)LUA");
}

// KEYS: order, audit.  ARGV: id, problem JSON, now.
// A ready order past its expires is made invalid as expired instead (reason expired).
const store::LuaScript& rejectFinalize() {
    return script(R"LUA(
if expire_if_due(KEYS[1], ARGV[1], tonumber(ARGV[3]), KEYS[2]) then return {'expired'} end
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'ready' then return {'not-ready', st or ''} end
redis.call('HSET', KEYS[1], 'status', 'invalid', 'error', ARGV[2])
release_open(KEYS[1], ARGV[1])
audit(KEYS[2], 'what', 'order', 'id', ARGV[1], 'from', 'ready', 'to', 'invalid',
      'why', 'csr-rejected', 'at', ARGV[3])
return {'ok'}
)LUA");
}

// KEYS: order, cert, relay stream, audit.  ARGV: id, now, events channel.
const store::LuaScript& cancelOrder() {
    return script(R"LUA(
local o = redis.call('HMGET', KEYS[1], 'status', 'auto_renewal', 'cert')
if o[1] ~= 'valid' or not o[2] or o[2] == '' then return {'invalid-state', o[1] or ''} end
redis.call('HSET', KEYS[1], 'status', 'canceled', 'expires', ARGV[2])
release_open(KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], 'state') ~= 'canceled' then
  redis.call('HSET', KEYS[2], 'state', 'canceled')
  redis.call('HINCRBY', KEYS[2], 'version', 1)
  redis.call('PUBLISH', ARGV[3], 'cert:' .. o[3])
end
redis.call('XADD', KEYS[3], '*', 'kind', 'cancel', 'order', ARGV[1], 'at', ARGV[2])
audit(KEYS[4], 'what', 'order', 'id', ARGV[1], 'from', 'valid', 'to', 'canceled',
      'why', 'ndc-cancel', 'at', ARGV[2])
return {'ok'}
)LUA");
}

// KEYS: order, audit.  ARGV: id, problem JSON, now.
const store::LuaScript& failOrder() {
    return script(R"LUA(
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'processing' then return {'invalid-state', st or ''} end
redis.call('HSET', KEYS[1], 'status', 'invalid', 'error', ARGV[2])
release_open(KEYS[1], ARGV[1])
audit(KEYS[2], 'what', 'order', 'id', ARGV[1], 'from', 'processing', 'to', 'invalid',
      'why', 'upstream', 'at', ARGV[3])
return {'ok'}
)LUA");
}

// KEYS: cert, order, audit, cert history, issuer chain.
// ARGV: token, end-entity pem, not_before, not_after, next_publication, now, events
//       channel, order id, from ('' = at once), history length, chain id ('' = none),
//       issuer chain pem, chain lifetime (seconds from now).
// The issuer part of the chain (every certificate after the end-entity one) repeats for
// every certificate a CA issues from one intermediate: it is stored once per tenant
// under its digest (`chain:<id>`, kept until the last certificate naming it has
// expired) and the publication names it in `chain` / `next_chain` (docs/state.md).
// Each certificate also goes onto the publication's history (newest first, trimmed), so
// the operator dashboard can draw every recent validity window, not only the served one.
// A certificate whose `from` is still ahead is staged as next_* (Publication serves it
// from then on); a staged one whose time has come is promoted first.  The first
// certificate of a publication always becomes current: there is nothing else to serve.
const store::LuaScript& publishCertificate() {
    return script(R"LUA(
local c = redis.call('HMGET', KEYS[1], 'state', 'next_pem', 'next_not_before', 'next_not_after',
                     'next_from', 'next_next_publication', 'next_chain')
if not c[1] then return {'not-found'} end
if c[1] == 'canceled' then return {'canceled'} end
local st = redis.call('HGET', KEYS[2], 'status')
if st ~= 'processing' and st ~= 'valid' then return {'invalid-state', st or ''} end
local now = tonumber(ARGV[6])
if c[2] and c[2] ~= '' and tonumber(c[5]) <= now then
  redis.call('HSET', KEYS[1], 'pem', c[2], 'not_before', c[3], 'not_after', c[4],
             'next_publication', c[6] or '', 'chain', c[7] or '')
  redis.call('HDEL', KEYS[1], 'next_pem', 'next_not_before', 'next_not_after', 'next_from',
             'next_next_publication', 'next_chain')
end
if ARGV[11] ~= '' then
  if redis.call('SET', KEYS[5], ARGV[12], 'NX') then
    redis.call('EXPIRE', KEYS[5], ARGV[13])
  else
    redis.call('EXPIRE', KEYS[5], ARGV[13], 'GT')
  end
end
if ARGV[9] == '' or tonumber(ARGV[9]) <= now or c[1] ~= 'active' then
  redis.call('HSET', KEYS[1], 'state', 'active', 'pem', ARGV[2], 'not_before', ARGV[3],
             'not_after', ARGV[4], 'next_publication', ARGV[5], 'chain', ARGV[11])
  redis.call('HDEL', KEYS[1], 'next_pem', 'next_not_before', 'next_not_after', 'next_from',
             'next_next_publication', 'next_chain')
else
  redis.call('HSET', KEYS[1], 'next_pem', ARGV[2], 'next_not_before', ARGV[3],
             'next_not_after', ARGV[4], 'next_from', ARGV[9], 'next_next_publication', ARGV[5],
             'next_chain', ARGV[11])
end
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
local served = ARGV[6]
if ARGV[9] ~= '' and tonumber(ARGV[9]) > now and c[1] == 'active' then served = ARGV[9] end
redis.call('LPUSH', KEYS[4], cjson.encode({version = version, not_before = ARGV[3],
           not_after = ARGV[4], from = served, published = ARGV[6]}))
redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[10]) - 1)
if st == 'processing' then
  redis.call('HSET', KEYS[2], 'status', 'valid')
  release_open(KEYS[2], ARGV[8])
  audit(KEYS[3], 'what', 'order', 'id', ARGV[8], 'from', 'processing', 'to', 'valid',
        'at', ARGV[6])
end
if redis.call('HGET', KEYS[2], 'auto_renewal') == '' then
  redis.call('HSET', KEYS[2], 'not_before', ARGV[3], 'not_after', ARGV[4])
end
audit(KEYS[3], 'what', 'certificate', 'id', ARGV[8], 'to', 'published',
      'version', tostring(version), 'not_after', ARGV[4], 'from', ARGV[9], 'at', ARGV[6])
redis.call('PUBLISH', ARGV[7], 'cert:' .. ARGV[1])
return {'ok', tostring(version)}
)LUA");
}

// KEYS: order, audit.  ARGV: id, upstream url, now.
// processing -> valid pointing at the CA's own certificate URL (STAR relay).
const store::LuaScript& relayValid() {
    return script(R"LUA(
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'processing' and st ~= 'valid' then return {'invalid-state', st or ''} end
redis.call('HSET', KEYS[1], 'status', 'valid', 'upstream_url', ARGV[2])
if st == 'processing' then
  release_open(KEYS[1], ARGV[1])
  audit(KEYS[2], 'what', 'order', 'id', ARGV[1], 'from', 'processing', 'to', 'valid',
        'upstream', '1', 'at', ARGV[3])
end
return {'ok'}
)LUA");
}

// Token bucket.  KEYS: bucket.  ARGV: rate per second, burst, now in ms.
// Returns 0 when a token was taken, else the milliseconds until one is available.
const store::LuaScript& takeToken() {
    return script(R"LUA(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000) end
local wait = 0
if tokens < 1 then
  wait = math.ceil((1 - tokens) * 1000 / rate)
else
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait
)LUA");
}

}  // namespace legate::ido::scripts
