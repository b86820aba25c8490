#include "broker/crypto/Pem.h"

#include <openssl/pem.h>

namespace legate::crypto {
namespace {

using acme::ErrorType;
using acme::Problem;

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kDashes = "-----";

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

Result<std::vector<PemBlock>> parsePemBlocks(std::string_view text, ErrorType errorType) {
    std::vector<PemBlock> blocks;
    size_t pos = 0;
    while (true) {
        while (pos < text.size() && isSpace(text[pos])) {
            ++pos;
        }
        if (pos == text.size()) {
            return blocks;
        }
        if (text.substr(pos, kBegin.size()) != kBegin) {
            return Problem::make(
                errorType, "unexpected text outside PEM blocks at offset " + std::to_string(pos));
        }
        const size_t labelStart = pos + kBegin.size();
        const size_t labelEnd = text.find(kDashes, labelStart);
        const size_t lineEnd = text.find('\n', labelStart);
        if (labelEnd == std::string_view::npos ||
            (lineEnd != std::string_view::npos && lineEnd < labelEnd)) {
            return Problem::make(errorType, "malformed PEM BEGIN line");
        }
        const std::string label(text.substr(labelStart, labelEnd - labelStart));
        const std::string endLine = "-----END " + label + "-----";
        const size_t endPos = text.find(endLine, labelEnd + kDashes.size());
        if (endPos == std::string_view::npos) {
            return Problem::make(errorType, "PEM block \"" + label + "\" has no END line");
        }
        const size_t blockEnd = endPos + endLine.size();
        // OpenSSL decodes the base64 body (and rejects bad characters or lengths).
        const std::string segment = std::string(text.substr(pos, blockEnd - pos)) + "\n";
        auto bio = readBio(segment);
        char* name = nullptr;
        char* header = nullptr;
        unsigned char* data = nullptr;
        long len = 0;
        if (!bio || PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
            return Problem::make(errorType, "PEM_read_bio: " + lastOpenSslError());
        }
        OpenSslStringPtr nameOwner(name);
        OpenSslStringPtr headerOwner(header);
        OpenSslBytesPtr dataOwner(data);
        if (header != nullptr && header[0] != '\0') {
            return Problem::make(
                errorType, "PEM block \"" + label + "\" has encapsulated headers (encrypted PEM?)");
        }
        if (label != name) {
            return Problem::make(errorType, "malformed PEM block \"" + label + "\"");
        }
        blocks.push_back(PemBlock{label, Bytes(data, data + len)});
        pos = blockEnd;
    }
}

std::string toPem(std::string_view label, const Bytes& der) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    const std::string name(label);
    if (!bio || PEM_write_bio(bio.get(), name.c_str(), "", der.data(),
                              static_cast<long>(der.size())) <= 0) {
        return {};
    }
    return bioContents(bio.get());
}

}  // namespace legate::crypto
