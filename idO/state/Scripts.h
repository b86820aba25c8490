#pragma once
/// The Lua scripts that make every multi-key transition of docs/state.md atomic.
///
/// Each script checks its precondition first and changes nothing when it does not
/// hold, returning a reason code instead ({"not-ready", "<status>"}).  Each is safe to
/// run twice (RedisPool retries once after a dead connection): the second run finds
/// the precondition false, or, for creations, finds its own record and says so.
/// Scripts that touch per-order keys they cannot name in KEYS (termination walks a
/// delegation's orders) build them from the tenant's state prefix: every such key
/// carries the same hash tag, so it lives in the same slot.

#include "broker/store/LuaScript.h"

namespace legate::ido::scripts {

const store::LuaScript& createNdc();
const store::LuaScript& bindAccount();
const store::LuaScript& updateContact();
const store::LuaScript& deactivateAccount();
const store::LuaScript& changeKey();
const store::LuaScript& createDelegation();
const store::LuaScript& markDelegationTerminated();
const store::LuaScript& terminateOrders();
const store::LuaScript& ordersOfDelegation();
const store::LuaScript& setDelegationTermination();
const store::LuaScript& createOrder();
const store::LuaScript& sweepExpiredOrders();
const store::LuaScript& acceptFinalize();
const store::LuaScript& rejectFinalize();
const store::LuaScript& cancelOrder();
const store::LuaScript& failOrder();
const store::LuaScript& publishCertificate();
const store::LuaScript& relayValid();
const store::LuaScript& takeToken();

}  // namespace legate::ido::scripts
