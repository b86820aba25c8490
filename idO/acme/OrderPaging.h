#pragma once
/// Paging of the orders and delegations lists (RFC 8555 §7.1.2.1, RFC 9115 §2.3.2):
/// `?cursor=N` is the offset into the account's (or NDC's) creation-ordered index, and
/// a page that has a successor carries `Link: <list URL>?cursor=M;rel="next"`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/core/Result.h"

namespace legate::ido {

/// The cursor of a request target ("/path?cursor=12" -> 12; no query -> 0).  Any other
/// query, or a cursor that is not a decimal non-negative integer, is 400 `malformed`.
Result<int64_t> parseCursor(std::string_view target);

/// "<listUrl>?cursor=<offset>".
std::string pageUrl(const std::string& listUrl, int64_t offset);

}  // namespace legate::ido
