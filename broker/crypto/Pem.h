#pragma once
/// Strict PEM (RFC 7468) framing shared by CSRs and certificates.
///
/// OpenSSL's PEM readers skip any text that is not a BEGIN line, so "garbage" between
/// blocks would pass unnoticed.  This splitter accepts only whitespace outside blocks,
/// refuses encapsulated headers (encrypted PEM), and leaves the label check to callers.

#include <string>
#include <string_view>
#include <vector>

#include "broker/core/Result.h"
#include "broker/crypto/OpenSsl.h"

namespace legate::crypto {

struct PemBlock {
    std::string label;  ///< e.g. "CERTIFICATE"
    Bytes der;          ///< the base64-decoded body
};

/// Every block of `text`, in order.  Problems carry `errorType`; an empty or
/// whitespace-only text yields an empty vector (callers decide whether that is an error).
Result<std::vector<PemBlock>> parsePemBlocks(std::string_view text, acme::ErrorType errorType);

/// One PEM block with 64-column base64 lines and a trailing newline.
std::string toPem(std::string_view label, const Bytes& der);

}  // namespace legate::crypto
