// libFuzzer target: RFC 9115 CSR template parsing and validation on arbitrary text.
// Invariants: never crash; a template that parses re-serialises to JSON that parses to
// the same template; validate() and parse() agree; profile instantiation never crashes.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "profiles/JsonText.h"
#include "profiles/ProfileCatalog.h"
#include "profiles/TemplateParser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace legate::profiles;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto doc = parseJsonStrict(text);
    if (!doc.ok()) {
        return 0;
    }
    const auto issues = TemplateParser::validate(*doc);
    auto tmpl = TemplateParser::parse(*doc);
    if (tmpl.ok() != issues.empty()) {
        std::abort();
    }
    if (tmpl.ok()) {
        auto again = TemplateParser::parse(tmpl->toJson());
        if (!again.ok() || !(*again == *tmpl)) {
            std::abort();
        }
    }
    if (ProfileCatalog::isProfile(*doc)) {
        (void)ProfileCatalog::instantiateDocument(*doc, {"www.ido.example", "**"},
                                                  {"cdn.ido.example"});
    }
    return 0;
}
