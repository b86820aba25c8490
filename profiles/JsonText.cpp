#include "profiles/JsonText.h"

#include "broker/wire/StrictJson.h"

namespace legate::profiles {

Result<nlohmann::json> parseJsonStrict(std::string_view text) {
    return wire::parseStrictJson(text);
}

}  // namespace legate::profiles
