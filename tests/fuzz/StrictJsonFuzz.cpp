/// libFuzzer target for parseStrictJson: any byte string must yield a value or a
/// malformed problem, never a crash, an exception or unbounded recursion.  An accepted
/// document must survive a dump/parse round trip unchanged.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "broker/wire/StrictJson.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using legate::wire::parseStrictJson;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto doc = parseStrictJson(text);
    if (!doc.ok()) {
        if (doc.problem().type != legate::acme::ErrorType::malformed) {
            std::abort();
        }
        return 0;
    }
    // Our own output of an accepted document is accepted again and means the same.
    // (dump() could only throw on invalid UTF-8, which the parser has refused.)
    const std::string again = doc->dump();
    legate::wire::JsonLimits roomy;
    roomy.maxBytes = again.size() + 1;
    auto reparsed = parseStrictJson(again, roomy);
    if (!reparsed.ok() || *reparsed != *doc) {
        // NaN cannot occur (JSON has no NaN literal), so equality must hold.
        std::abort();
    }
    return 0;
}
