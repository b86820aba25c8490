#include "broker/crypto/StrictDer.h"

#include <cstddef>
#include <optional>

namespace legate::crypto {
namespace {

/// Deep enough for any certificate or CSR; bounds the recursion on hostile input.
constexpr int kMaxDepth = 64;

constexpr unsigned char kClassMask = 0xC0;
constexpr unsigned char kConstructed = 0x20;
constexpr unsigned kTagBoolean = 1;
constexpr unsigned kTagInteger = 2;
constexpr unsigned kTagBitString = 3;
constexpr unsigned kTagOctetString = 4;

/// Universal string types that DER requires in primitive form (X.690 §10.2).
bool isUniversalStringType(unsigned tag) {
    return tag == kTagBitString || tag == kTagOctetString || tag == 12 ||
           (tag >= 18 && tag <= 22) || (tag >= 25 && tag <= 30);
}

class Walker {
public:
    Walker(const Bytes& der, acme::ErrorType type, std::string_view what)
        : der_(der), type_(type), what_(what) {}

    Status run() {
        size_t pos = 0;
        LEGATE_TRY(element(pos, der_.size(), 0));
        if (pos != der_.size()) {
            return fail(pos, "trailing data after the outer element");
        }
        return okStatus();
    }

private:
    acme::Problem fail(size_t offset, const std::string& why) const {
        return acme::Problem::make(type_, std::string(what_) + " is not DER: " + why +
                                              " at offset " + std::to_string(offset));
    }

    /// One TLV starting at `pos`, which must end by `end`; `pos` moves past it.
    Status element(size_t& pos, size_t end, int depth) {
        if (depth > kMaxDepth) {
            return fail(pos, "nesting deeper than " + std::to_string(kMaxDepth));
        }
        const size_t start = pos;
        if (pos >= end) {
            return fail(pos, "element expected");
        }
        const unsigned char first = der_[pos++];
        const bool constructed = (first & kConstructed) != 0;
        const bool universal = (first & kClassMask) == 0;
        unsigned tag = first & 0x1F;
        if (tag == 0x1F) {
            // High tag number: base-128, no leading 0x80 octet, and only for tags > 30.
            tag = 0;
            if (pos < end && der_[pos] == 0x80) {
                return fail(start, "non-minimal tag number");
            }
            int octets = 0;
            while (true) {
                if (pos >= end || ++octets > 4) {
                    return fail(start, "truncated or oversized tag number");
                }
                const unsigned char b = der_[pos++];
                tag = (tag << 7) | (b & 0x7F);
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            if (tag < 0x1F) {
                return fail(start, "high-tag form for a low tag number");
            }
        }
        if (pos >= end) {
            return fail(pos, "length expected");
        }
        const unsigned char lengthByte = der_[pos++];
        size_t length = 0;
        if (lengthByte == 0x80) {
            return fail(pos - 1, "indefinite length");
        }
        if ((lengthByte & 0x80) == 0) {
            length = lengthByte;
        } else {
            const size_t octets = lengthByte & 0x7F;
            if (octets > sizeof(size_t) - 1 || octets > end - pos) {
                return fail(pos - 1, "truncated or oversized length");
            }
            if (der_[pos] == 0) {
                return fail(pos - 1, "non-minimal length (leading zero octet)");
            }
            for (size_t i = 0; i < octets; ++i) {
                length = (length << 8) | der_[pos++];
            }
            if (length < 0x80) {
                return fail(start, "non-minimal length (long form for " + std::to_string(length) +
                                       " octets)");
            }
        }
        if (length > end - pos) {
            return fail(start, "length " + std::to_string(length) + " runs past the end");
        }
        const size_t contentEnd = pos + length;
        if (universal && constructed && isUniversalStringType(tag)) {
            return fail(start, "constructed string encoding");
        }
        if (universal && !constructed) {
            if (tag == kTagBoolean && (length != 1 || (der_[pos] != 0x00 && der_[pos] != 0xFF))) {
                return fail(start, "BOOLEAN not encoded as 0x00 or 0xFF");
            }
            if (tag == kTagInteger) {
                if (length == 0) {
                    return fail(start, "empty INTEGER");
                }
                if (length > 1 && ((der_[pos] == 0x00 && (der_[pos + 1] & 0x80) == 0) ||
                                   (der_[pos] == 0xFF && (der_[pos + 1] & 0x80) != 0))) {
                    return fail(start, "non-minimal INTEGER");
                }
            }
        }
        if (constructed) {
            while (pos < contentEnd) {
                LEGATE_TRY(element(pos, contentEnd, depth + 1));
            }
        }
        pos = contentEnd;
        return okStatus();
    }

    const Bytes& der_;
    acme::ErrorType type_;
    std::string_view what_;
};

}  // namespace

Status checkStrictDer(const Bytes& der, acme::ErrorType type, std::string_view what) {
    return Walker(der, type, what).run();
}

}  // namespace legate::crypto
