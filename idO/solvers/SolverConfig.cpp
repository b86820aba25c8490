#include "idO/solvers/SolverConfig.h"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cctype>
#include <netinet/in.h>

#include "idO/solvers/DnsName.h"

namespace legate::ido::solvers {
namespace {

constexpr std::array<std::string_view, 3> kKnownSolvers = {kHttp01, kDns01, kTlsAlpn01};
constexpr std::array<std::string_view, 5> kTsigAlgorithms = {
    "hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1"};

/// Standard base64 (RFC 4648 §4) as named.conf writes secrets: padded, no whitespace.
bool isBase64(const std::string& s) {
    if (s.empty() || s.size() % 4 != 0) {
        return false;
    }
    const size_t padding = s.ends_with("==") ? 2 : s.ends_with('=') ? 1 : 0;
    return std::all_of(s.begin(), s.end() - static_cast<std::ptrdiff_t>(padding), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '/';
    });
}

void checkListen(const ConfigNode& node, const std::string& listen) {
    if (!listen.empty() && !isIpLiteral(listen)) {
        node.fail("listen", "expected an IPv4 or IPv6 address, got \"" + listen + "\"");
    }
}

/// The `dcv-delegation` object of the dns-01 solver; `rfc2136Zone` is the solver's own
/// zone, which must hold the validation zone (the TXT records are written there).
DcvDelegationConfig readDcvDelegation(const ConfigNode& node, const std::string& rfc2136Zone) {
    DcvDelegationConfig c;
    const auto zone = node.string("zone");
    if (!zone.empty()) {
        auto name = normaliseDnsName(zone);
        if (!name) {
            node.fail("zone", name.problem().detail);
        } else if (name->starts_with("*")) {
            node.fail("zone", "a zone cannot be a wildcard");
        } else if (!rfc2136Zone.empty() && !isInZone(*name, rfc2136Zone)) {
            node.fail("zone", "the validation zone \"" + zone + "\" must be the dns-01 zone \"" +
                                  rfc2136Zone +
                                  "\" or inside it (the solver writes its TXT records there)");
        } else {
            c.zone = *name;
        }
    }
    if (auto resolver = node.optionalObject("resolver")) {
        c.resolver.server = resolver->string("server");
        if (!c.resolver.server.empty() && !isIpLiteral(c.resolver.server)) {
            resolver->fail("server",
                           "expected an IPv4 or IPv6 address, got \"" + c.resolver.server + "\"");
        }
        c.resolver.port = static_cast<uint16_t>(resolver->integer("port", 1, 65535, 53));
        c.resolver.recursive = resolver->boolean("recursive", true);
    }
    return c;
}

}  // namespace

bool isIpLiteral(const std::string& address) {
    in6_addr buffer{};
    return inet_pton(AF_INET, address.c_str(), &buffer) == 1 ||
           inet_pton(AF_INET6, address.c_str(), &buffer) == 1;
}

Rfc2136Config readRfc2136Config(const ConfigNode& node) {
    Rfc2136Config c;
    c.server = node.string("server");
    if (!c.server.empty() && !isIpLiteral(c.server)) {
        node.fail("server",
                  "expected an IPv4 or IPv6 address (not a host name: the solver "
                  "must not depend on the DNS it changes), got \"" +
                      c.server + "\"");
    }
    c.port = static_cast<uint16_t>(node.integer("port", 1, 65535, 53));
    c.zone = node.string("zone");
    if (!c.zone.empty()) {
        if (auto zone = normaliseDnsName(c.zone); !zone) {
            node.fail("zone", zone.problem().detail);
        } else if (zone->starts_with("*")) {
            node.fail("zone", "a zone cannot be a wildcard");
        }
    }
    const auto tsig = node.object("tsig");
    c.tsig.name = tsig.string("name");
    if (!c.tsig.name.empty() && !normaliseDnsName(c.tsig.name)) {
        tsig.fail("name", "expected a DNS name (the key's name in named.conf), got \"" +
                              c.tsig.name + "\"");
    }
    c.tsig.algorithm = tsig.string("algorithm", c.tsig.algorithm);
    if (std::find(kTsigAlgorithms.begin(), kTsigAlgorithms.end(), c.tsig.algorithm) ==
        kTsigAlgorithms.end()) {
        tsig.fail("algorithm",
                  "expected one of hmac-sha256, hmac-sha384, hmac-sha512, "
                  "hmac-sha224, hmac-sha1, got \"" +
                      c.tsig.algorithm + "\"");
    }
    c.tsig.secret = tsig.string("secret");
    if (!c.tsig.secret.empty() && !isBase64(c.tsig.secret)) {
        // The value is a secret: never echo it.
        tsig.fail("secret", "expected base64 (as in named.conf)");
    }
    return c;
}

SolverConfig readSolverConfig(const ConfigNode& node) {
    SolverConfig config;
    std::vector<std::string> configured;
    if (auto http = node.optionalObject(std::string(kHttp01))) {
        Http01ResponderOptions o;
        o.host = http->string("listen", o.host);
        checkListen(*http, o.host);
        o.port = static_cast<uint16_t>(http->integer("port", 1, 65535, o.port));
        config.http01 = o;
        configured.emplace_back(kHttp01);
    }
    if (auto dns = node.optionalObject(std::string(kDns01))) {
        Dns01SolverConfig o;
        o.dns = readRfc2136Config(*dns);
        o.ttl = static_cast<uint32_t>(dns->integer("ttl", 1, 86400, o.ttl));
        o.selfCheckAttempts =
            static_cast<int>(dns->integer("self-check-attempts", 1, 1000, o.selfCheckAttempts));
        o.selfCheckInterval = std::chrono::milliseconds(
            dns->integer("self-check-interval-ms", 0, 60000, o.selfCheckInterval.count()));
        if (auto dcv = dns->optionalObject("dcv-delegation")) {
            o.dcv = readDcvDelegation(*dcv, o.dns.zone);
        }
        config.dns01 = std::move(o);
        configured.emplace_back(kDns01);
    }
    if (auto tls = node.optionalObject(std::string(kTlsAlpn01))) {
        TlsAlpn01ResponderOptions o;
        o.host = tls->string("listen", o.host);
        checkListen(*tls, o.host);
        o.port = static_cast<uint16_t>(tls->integer("port", 1, 65535, o.port));
        config.tlsAlpn01 = o;
        configured.emplace_back(kTlsAlpn01);
    }
    if (configured.empty() && node.isObject()) {
        node.fail(
            "no challenge solver configured: expected at least one of http-01, dns-01, "
            "tls-alpn-01");
    }

    if (!node.has("preference")) {
        config.preference = configured;
        return config;
    }
    const auto entries = node.array("preference");
    for (const auto& entry : entries) {
        if (!entry.json().is_string()) {
            entry.fail("expected a challenge type name, got " + entry.json().dump());
            continue;
        }
        const auto name = entry.json().get<std::string>();
        if (std::find(kKnownSolvers.begin(), kKnownSolvers.end(), name) == kKnownSolvers.end()) {
            entry.fail("unknown challenge type \"" + name +
                       "\"; expected http-01, dns-01 or tls-alpn-01");
        } else if (std::find(configured.begin(), configured.end(), name) == configured.end()) {
            entry.fail("\"" + name + "\" is not configured in this solvers object");
        } else if (std::find(config.preference.begin(), config.preference.end(), name) !=
                   config.preference.end()) {
            entry.fail("\"" + name + "\" is listed twice");
        } else {
            config.preference.push_back(name);
        }
    }
    return config;
}

}  // namespace legate::ido::solvers
