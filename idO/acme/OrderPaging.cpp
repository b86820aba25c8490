#include "idO/acme/OrderPaging.h"

namespace legate::ido {

Result<int64_t> parseCursor(std::string_view target) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) {
        return int64_t{0};
    }
    std::string_view query = target.substr(q + 1);
    constexpr std::string_view kName = "cursor=";
    auto bad = [] {
        return acme::Problem::make(acme::ErrorType::malformed,
                                   "the only query this list accepts is cursor=<offset>");
    };
    if (!query.starts_with(kName)) {
        return bad();
    }
    query.remove_prefix(kName.size());
    if (query.empty() || query.size() > 12) {
        return bad();
    }
    int64_t value = 0;
    for (char c : query) {
        if (c < '0' || c > '9') {
            return bad();
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

std::string pageUrl(const std::string& listUrl, int64_t offset) {
    return listUrl + "?cursor=" + std::to_string(offset);
}

}  // namespace legate::ido
