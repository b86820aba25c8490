#include "broker/wire/Base64Url.h"

#include <array>

namespace legate::wire {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<int8_t, 256> makeReverse() {
    std::array<int8_t, 256> table{};
    table.fill(-1);
    for (size_t i = 0; i < kAlphabet.size(); ++i) {
        table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
    }
    return table;
}

constexpr auto kReverse = makeReverse();

}  // namespace

std::string base64UrlEncode(std::span<const unsigned char> data) {
    std::string out;
    out.reserve((data.size() * 4 + 2) / 3);
    size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        const uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    const size_t rest = data.size() - i;
    if (rest == 1) {
        const uint32_t v = uint32_t{data[i]} << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
    } else if (rest == 2) {
        const uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
    }
    return out;
}

std::string base64UrlEncode(std::string_view data) {
    return base64UrlEncode(
        std::span(reinterpret_cast<const unsigned char*>(data.data()), data.size()));
}

Result<crypto::Bytes> base64UrlDecode(std::string_view text) {
    using acme::ErrorType;
    using acme::Problem;
    crypto::Bytes out;
    out.reserve(text.size() * 3 / 4);
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const int8_t v = kReverse[static_cast<unsigned char>(text[i])];
        if (v < 0) {
            const std::string what =
                text[i] == '=' ? "padding '='" : "a character outside the alphabet";
            return Problem::make(ErrorType::malformed,
                                 "base64url: " + what + " at offset " + std::to_string(i));
        }
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<unsigned char>((acc >> bits) & 0xff));
        }
    }
    // Checked after the characters, so "Zm9v=" is reported as padding, not as a length.
    if (text.size() % 4 == 1) {
        return Problem::make(ErrorType::malformed,
                             "base64url: impossible length " + std::to_string(text.size()));
    }
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
        return Problem::make(ErrorType::malformed, "base64url: non-zero trailing bits");
    }
    return out;
}

}  // namespace legate::wire
