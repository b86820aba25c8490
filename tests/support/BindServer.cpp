#include "tests/support/BindServer.h"

#include <arpa/inet.h>
#include <array>
#include <cstdint>
#include <netinet/in.h>
#include <random>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

namespace legate::test {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr int kStartAttempts = 3;

std::string base64(const std::vector<unsigned char>& bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (i + 1 == bytes.size()) {
        const uint32_t n = bytes[i] << 16;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += "==";
    } else if (i + 2 == bytes.size()) {
        const uint32_t n = (bytes[i] << 16) | (bytes[i + 1] << 8);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += '=';
    }
    return out;
}

std::string randomSecret() {
    std::random_device device;
    std::vector<unsigned char> bytes(32);
    for (auto& b : bytes) {
        b = static_cast<unsigned char>(device());
    }
    return base64(bytes);
}

}  // namespace

bool dnsAnswersSoa(int port, const std::string& zone) {
    // Header: id, flags (RD=0), QDCOUNT=1, AN/NS/AR=0; then QNAME, QTYPE=SOA, QCLASS=IN.
    std::vector<unsigned char> query = {0x4c, 0x47, 0x00, 0x00, 0x00, 0x01,
                                        0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    size_t start = 0;
    while (start < zone.size()) {
        size_t dot = zone.find('.', start);
        if (dot == std::string::npos) {
            dot = zone.size();
        }
        query.push_back(static_cast<unsigned char>(dot - start));
        query.insert(query.end(), zone.begin() + static_cast<std::ptrdiff_t>(start),
                     zone.begin() + static_cast<std::ptrdiff_t>(dot));
        start = dot + 1;
    }
    query.insert(query.end(), {0x00, 0x00, 0x06, 0x00, 0x01});

    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        return false;
    }
    timeval tv{};
    tv.tv_usec = 200'000;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool answered = false;
    if (::sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                 sizeof addr) == static_cast<ssize_t>(query.size())) {
        std::array<unsigned char, 512> reply{};
        const ssize_t n = ::recv(fd, reply.data(), reply.size(), 0);
        // Same id, QR set, RCODE 0 (NOERROR), ANCOUNT >= 1.
        answered = n >= 12 && reply[0] == query[0] && reply[1] == query[1] &&
                   (reply[2] & 0x80) != 0 && (reply[3] & 0x0f) == 0 &&
                   ((reply[6] << 8) | reply[7]) >= 1;
    }
    ::close(fd);
    return answered;
}

std::string BindServer::program() {
    if (haveProgram("named")) {
        return "named";
    }
    if (std::filesystem::exists("/usr/sbin/named")) {
        return "/usr/sbin/named";
    }
    return "";
}

BindServer::BindServer(std::string zone) : BindServer(std::move(zone), {}) {}

BindServer::BindServer(std::string zone, std::vector<std::string> extraZones)
    : zone_(std::move(zone)), extraZones_(std::move(extraZones)), tsigSecret_(randomSecret()) {
    // freePort() can race with another process grabbing the port: try a few.
    for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
        port_ = freePort();
        if (start()) {
            return;
        }
    }
    throw std::runtime_error("named did not start; see " + (dir() / "named.log").string());
}

BindServer::~BindServer() {
    stop();
}

bool BindServer::running() const {
    return process_ && process_->running();
}

void BindServer::writeConfig() const {
    const std::string d = dir().string();
    std::string conf =
        "options {\n"
        "    directory \"" +
        d +
        "\";\n"
        "    pid-file \"" +
        d +
        "/named.pid\";\n"
        "    session-keyfile \"" +
        d +
        "/session.key\";\n"
        "    managed-keys-directory \"" +
        d +
        "\";\n"
        "    listen-on port " +
        std::to_string(port_) +
        " { 127.0.0.1; };\n"
        "    listen-on-v6 { none; };\n"
        "    recursion " +
        std::string(extraZones_.empty() ? "no;\n" : "yes;\n    allow-recursion { 127.0.0.1; };\n") +
        "    dnssec-validation no;\n"
        "    notify no;\n"
        "};\n"
        "controls { };\n"
        "key \"" +
        tsigName_ +
        "\" {\n"
        "    algorithm hmac-sha256;\n"
        "    secret \"" +
        tsigSecret_ +
        "\";\n"
        "};\n";
    std::vector<std::string> zones = {zone_};
    zones.insert(zones.end(), extraZones_.begin(), extraZones_.end());
    for (size_t i = 0; i < zones.size(); ++i) {
        const std::string& z = zones[i];
        const std::string file = i == 0 ? "db.zone" : "db.zone" + std::to_string(i);
        conf += "zone \"" + z + "\" {\n    type primary;\n    file \"" + d + "/" + file +
                "\";\n    allow-update { key \"" + tsigName_ + "\"; };\n};\n";
        writeFile(dir() / file, "$TTL 60\n@ IN SOA ns1." + z + ". hostmaster." + z +
                                    ". 1 3600 600 86400 60\n@ IN NS ns1." + z +
                                    ".\nns1 IN A 127.0.0.1\n* IN A 127.0.0.1\n");
    }
    writeFile(dir() / "named.conf", conf);
}

bool BindServer::start() {
    // A retry starts from the original zone file: remove any journal of an earlier try.
    std::error_code ignored;
    std::filesystem::remove(dir() / "db.zone.jnl", ignored);
    for (size_t i = 1; i <= extraZones_.size(); ++i) {
        std::filesystem::remove(dir() / ("db.zone" + std::to_string(i) + ".jnl"), ignored);
    }
    writeConfig();
    process_ = std::make_unique<Process>(
        std::vector<std::string>{program(), "-g", "-4", "-c", (dir() / "named.conf").string()},
        dir() / "named.log");
    const bool ready = pollUntil(
        [this] { return !process_->running() || dnsAnswersSoa(port_, zone_); }, kStartTimeout);
    if (ready && process_->running()) {
        return true;
    }
    process_->stop();
    process_.reset();
    return false;
}

void BindServer::stop() {
    if (process_) {
        process_->stop();
        process_.reset();
    }
}

}  // namespace legate::test
