#include "broker/crypto/Oid.h"

namespace legate::crypto {

bool isDottedOid(std::string_view text) {
    if (text.empty() || text.size() > kMaxDottedOidLength) {
        return false;
    }
    size_t arcs = 0;
    char first = 0;
    size_t pos = 0;
    while (true) {
        const size_t dot = text.find('.', pos);
        const std::string_view arc =
            text.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
        if (arc.empty() || (arc.size() > 1 && arc[0] == '0')) {
            return false;
        }
        for (const char c : arc) {
            if (c < '0' || c > '9') {
                return false;
            }
        }
        if (arcs == 0) {
            if (arc.size() != 1 || arc[0] > '2') {
                return false;
            }
            first = arc[0];
        } else if (arcs == 1 && first != '2' &&
                   (arc.size() > 2 || (arc.size() == 2 && arc >= "40"))) {
            return false;
        }
        ++arcs;
        if (dot == std::string_view::npos) {
            break;
        }
        pos = dot + 1;
    }
    return arcs >= 2;
}

}  // namespace legate::crypto
