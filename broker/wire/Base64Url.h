#pragma once
/// base64url without padding (RFC 4648 §5, RFC 7515 §2), as every ACME binary field.
///
/// Decoding is strict: padding, characters outside the URL-safe alphabet, an
/// impossible length, and non-zero trailing bits are all refused, so each value has
/// exactly one accepted encoding.

#include <span>
#include <string>
#include <string_view>

#include "broker/core/Result.h"
#include "broker/crypto/OpenSsl.h"

namespace legate::wire {

std::string base64UrlEncode(std::span<const unsigned char> data);
std::string base64UrlEncode(std::string_view data);

/// malformed problem naming the first offending character or the length.
Result<crypto::Bytes> base64UrlDecode(std::string_view text);

}  // namespace legate::wire
