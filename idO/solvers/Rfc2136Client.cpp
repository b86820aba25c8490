#include "idO/solvers/Rfc2136Client.h"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <sys/time.h>

#include <ldns/ldns.h>

#include "idO/solvers/DnsName.h"

namespace legate::ido::solvers {
namespace {

using acme::ErrorType;
using acme::Problem;

struct RdfFree {
    void operator()(ldns_rdf* p) const { ldns_rdf_deep_free(p); }
};
struct RrFree {
    void operator()(ldns_rr* p) const { ldns_rr_free(p); }
};
struct RrListFree {
    void operator()(ldns_rr_list* p) const { ldns_rr_list_deep_free(p); }
};
struct PktFree {
    void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct ResolverFree {
    void operator()(ldns_resolver* p) const { ldns_resolver_deep_free(p); }
};
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;
using RrPtr = std::unique_ptr<ldns_rr, RrFree>;
using RrListPtr = std::unique_ptr<ldns_rr_list, RrListFree>;
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;
using ResolverPtr = std::unique_ptr<ldns_resolver, ResolverFree>;

constexpr std::array<std::string_view, 5> kAlgorithms = {"hmac-sha256", "hmac-sha384",
                                                         "hmac-sha512", "hmac-sha224", "hmac-sha1"};

Problem configProblem(const std::string& why) {
    return Problem::make(ErrorType::serverInternal, "RFC 2136 configuration: " + why);
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

bool isIpv4(const std::string& s) {
    in_addr a{};
    return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool isIpv6(const std::string& s) {
    in6_addr a{};
    return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

/// RCODE names of RFC 1035 / RFC 2136.
std::string rcodeName(int rcode) {
    static constexpr std::array<std::string_view, 11> kNames = {
        "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
        "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE"};
    if (rcode >= 0 && rcode < static_cast<int>(kNames.size())) {
        return std::string(kNames[static_cast<size_t>(rcode)]);
    }
    return "RCODE " + std::to_string(rcode);
}

/// TSIG error names of RFC 8945 §5.2 (0 is "no error").
std::string tsigErrorName(int error) {
    switch (error) {
        case 16:
            return "BADSIG";
        case 17:
            return "BADKEY";
        case 18:
            return "BADTIME";
        case 22:
            return "BADTRUNC";
        default:
            return "TSIG error " + std::to_string(error);
    }
}

/// The TSIG error field of the answer's TSIG record (0 when there is none).
int tsigError(const ldns_pkt* answer) {
    const ldns_rr* tsig = ldns_pkt_tsig(answer);
    if (tsig == nullptr || ldns_rr_rd_count(tsig) < 6) {
        return 0;
    }
    const ldns_rdf* error = ldns_rr_rdf(tsig, 5);
    return error != nullptr && ldns_rdf_size(error) == 2 ? ldns_rdf2native_int16(error) : 0;
}

/// What an RCODE usually means for a dynamic update, for the operator reading the log.
std::string rcodeHint(int rcode, int tsigErr) {
    if (tsigErr == 16 || tsigErr == 17) {
        return ": the server does not accept the TSIG key (check its name, algorithm and secret)";
    }
    if (tsigErr == 18) {
        return ": the clocks of this host and the DNS server differ too much";
    }
    switch (rcode) {
        case LDNS_RCODE_REFUSED:
            return ": the server's policy (allow-update) refuses this update";
        case LDNS_RCODE_NOTAUTH:
            return ": the server is not authoritative for the zone, or "
                   "refused the key";
        case LDNS_RCODE_NOTZONE:
            return ": the name is not inside the zone the update names";
        default:
            return "";
    }
}

/// Quotes TXT text for the presentation format; nullopt for text it cannot carry.
std::optional<std::string> quoteTxt(std::string_view text) {
    if (text.size() > 255) {
        return std::nullopt;
    }
    std::string out = "\"";
    for (const char c : text) {
        if (c < 0x20 || c > 0x7e) {
            return std::nullopt;
        }
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '"';
    return out;
}

/// A resolver for `config.server` (the system's resolvers of /etc/resolv.conf when the
/// server is empty), asking with RD set only when `recursive`.
ResolverPtr makeResolver(const Rfc2136Config& config, const TsigKey* key, bool recursive = false) {
    ResolverPtr resolver;
    if (config.server.empty()) {
        ldns_resolver* system = nullptr;
        if (ldns_resolver_new_frm_file(&system, nullptr) != LDNS_STATUS_OK) {
            return nullptr;
        }
        resolver.reset(system);
    } else {
        resolver.reset(ldns_resolver_new());
        if (!resolver) {
            return nullptr;
        }
        RdfPtr address(ldns_rdf_new_frm_str(
            isIpv4(config.server) ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA, config.server.c_str()));
        if (!address ||
            ldns_resolver_push_nameserver(resolver.get(), address.get()) != LDNS_STATUS_OK) {
            return nullptr;
        }
        ldns_resolver_set_port(resolver.get(), config.port);
    }
    ldns_resolver_set_recursive(resolver.get(), recursive);
    ldns_resolver_set_dnssec(resolver.get(), false);
    ldns_resolver_set_usevc(resolver.get(), false);
    ldns_resolver_set_fallback(resolver.get(), true);
    // One attempt per send: retries are ours (only when no answer came at all), so a
    // definite refusal is reported at once instead of after ldns' retransmit sleeps.
    ldns_resolver_set_retry(resolver.get(), 1);
    ldns_resolver_set_retrans(resolver.get(), 0);
    timeval timeout{};
    timeout.tv_sec = static_cast<time_t>(config.timeout.count() / 1000);
    timeout.tv_usec = static_cast<suseconds_t>((config.timeout.count() % 1000) * 1000);
    ldns_resolver_set_timeout(resolver.get(), timeout);
    if (key != nullptr) {
        const std::string keyName = *normaliseDnsName(key->name);
        const std::string algorithm = lower(key->algorithm) + ".";
        ldns_resolver_set_tsig_keyname(resolver.get(), keyName.c_str());
        ldns_resolver_set_tsig_algorithm(resolver.get(), algorithm.c_str());
        ldns_resolver_set_tsig_keydata(resolver.get(), key->secret.c_str());
    }
    return resolver;
}

/// Sends `query` (already signed if it should be), retrying only when no answer came.
/// `answer` is set whenever the server answered, even when ldns reports a failed TSIG
/// verification of that answer (ldns_send keeps it; ldns_resolver_send_pkt would drop
/// it, and with it the RCODE and TSIG error that say why).  Each attempt gets a fresh
/// resolver: ldns marks a server that timed out as unreachable for the resolver's life.
ldns_status sendWithRetries(const Rfc2136Config& config, const TsigKey* key, ldns_pkt* query,
                            PktPtr& answer, bool recursive = false) {
    ldns_status status = LDNS_STATUS_ERR;
    for (int attempt = 0; attempt <= std::max(0, config.retries); ++attempt) {
        ResolverPtr resolver = makeResolver(config, key, recursive);
        if (!resolver) {
            return LDNS_STATUS_MEM_ERR;
        }
        ldns_pkt* raw = nullptr;
        status = ldns_send(&raw, resolver.get(), query);
        answer.reset(raw);
        if (answer) {
            return status;
        }
    }
    return status;
}

}  // namespace

Result<Rfc2136Client> Rfc2136Client::create(Rfc2136Config config) {
    if (!isIpv4(config.server) && !isIpv6(config.server)) {
        return configProblem("server \"" + config.server + "\" is not an IP address literal");
    }
    if (config.port == 0) {
        return configProblem("port 0");
    }
    auto zone = normaliseDnsName(config.zone);
    if (!zone || zone->starts_with("*")) {
        return configProblem("zone \"" + config.zone + "\" is not a valid DNS name");
    }
    if (!normaliseDnsName(config.tsig.name)) {
        return configProblem("TSIG key name \"" + config.tsig.name + "\" is not a valid DNS name");
    }
    const std::string algorithm = lower(config.tsig.algorithm);
    if (std::find(kAlgorithms.begin(), kAlgorithms.end(), algorithm) == kAlgorithms.end()) {
        return configProblem("TSIG algorithm \"" + config.tsig.algorithm + "\" is not supported");
    }
    const bool base64 =
        !config.tsig.secret.empty() &&
        std::all_of(config.tsig.secret.begin(), config.tsig.secret.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '/' ||
                   c == '=';
        });
    if (!base64) {
        return configProblem("TSIG secret of key \"" + config.tsig.name +
                             "\" is empty or not base64");
    }
    if (config.timeout.count() <= 0) {
        return configProblem("timeout must be positive");
    }
    std::string z = std::move(zone).value();
    return Rfc2136Client(std::move(config), std::move(z));
}

std::string Rfc2136Client::serverText() const {
    return (isIpv6(config_.server) ? "[" + config_.server + "]" : config_.server) + ":" +
           std::to_string(config_.port);
}

Result<std::string> Rfc2136Client::nameInZone(std::string_view name) const {
    auto normalised = normaliseDnsName(name);
    if (!normalised) {
        return std::move(normalised).problem();
    }
    if (!isInZone(*normalised, zone_)) {
        return Problem::make(ErrorType::rejectedIdentifier, "refusing to update \"" + *normalised +
                                                                "\": it is outside zone \"" +
                                                                zone_ + "\" (nothing was sent)");
    }
    return normalised;
}

Result<std::string> Rfc2136Client::recordText(const std::string& name, std::string_view type,
                                              uint32_t ttl, std::string_view rdata) const {
    const std::string t = upper(type);
    std::string data;
    if (t == "TXT") {
        auto quoted = quoteTxt(rdata);
        if (!quoted) {
            return Problem::make(
                ErrorType::malformed,
                "TXT value for \"" + name + "\" must be printable ASCII of at most 255 octets");
        }
        data = std::move(*quoted);
    } else {
        // Presentation syntax that could smuggle in a second record or a comment.
        if (rdata.empty() || rdata.find_first_of(";()\"\\\r\n") != std::string_view::npos) {
            return Problem::make(ErrorType::malformed, "record data \"" + std::string(rdata) +
                                                           "\" for \"" + name + "\" " + t +
                                                           " is empty or not allowed");
        }
        data = std::string(rdata);
    }
    return name + " " + std::to_string(ttl) + " IN " + t + " " + data;
}

Status Rfc2136Client::addRecord(std::string_view name, std::string_view type, uint32_t ttl,
                                std::string_view rdata) {
    auto owner = nameInZone(name);
    if (!owner) {
        return std::move(owner).problem();
    }
    auto text = recordText(*owner, type, ttl, rdata);
    if (!text) {
        return std::move(text).problem();
    }
    return sendUpdate(*owner, type, *text, false, "adding " + *text);
}

Status Rfc2136Client::deleteRecord(std::string_view name, std::string_view type,
                                   std::optional<std::string_view> rdata) {
    auto owner = nameInZone(name);
    if (!owner) {
        return std::move(owner).problem();
    }
    if (!rdata) {
        return sendUpdate(*owner, type, std::nullopt, true,
                          "deleting every " + upper(type) + " record at " + *owner);
    }
    auto text = recordText(*owner, type, 0, *rdata);
    if (!text) {
        return std::move(text).problem();
    }
    return sendUpdate(*owner, type, *text, true, "deleting " + *text);
}

Status Rfc2136Client::sendUpdate(const std::string& name, std::string_view type,
                                 const std::optional<std::string>& text, bool deletion,
                                 const std::string& what) const {
    const std::string typeName = upper(type);
    const ldns_rr_type rrType = ldns_get_rr_type_by_name(typeName.c_str());
    if (rrType == 0 || rrType == LDNS_RR_TYPE_ANY || rrType == LDNS_RR_TYPE_SOA) {
        return Problem::make(ErrorType::malformed,
                             "record type \"" + std::string(type) + "\" cannot be updated");
    }
    RdfPtr owner(ldns_dname_new_frm_str(name.c_str()));
    if (!owner) {
        return Problem::make(ErrorType::malformed, "invalid DNS name \"" + name + "\"");
    }

    RrPtr rr;
    if (text) {
        // Names in rdata are taken as absolute (origin = the root).
        RdfPtr root(ldns_dname_new_frm_str("."));
        ldns_rr* parsed = nullptr;
        const ldns_status status =
            ldns_rr_new_frm_str(&parsed, text->c_str(), 0, root.get(), nullptr);
        rr.reset(parsed);
        if (status != LDNS_STATUS_OK || !rr) {
            return Problem::make(ErrorType::malformed, "cannot parse record \"" + *text + "\": " +
                                                           ldns_get_errorstr_by_id(status));
        }
        if (ldns_rr_get_type(rr.get()) != rrType ||
            ldns_dname_compare(ldns_rr_owner(rr.get()), owner.get()) != 0) {
            return Problem::make(
                ErrorType::malformed,
                "record \"" + *text + "\" did not parse as " + typeName + " at " + name);
        }
        if (deletion) {  // RFC 2136 §2.5.4: delete an RR from an RRset
            ldns_rr_set_class(rr.get(), LDNS_RR_CLASS_NONE);
            ldns_rr_set_ttl(rr.get(), 0);
        }
    } else {  // RFC 2136 §2.5.2: delete an RRset (class ANY, TTL 0, no rdata)
        rr.reset(ldns_rr_new());
        if (!rr) {
            return Problem::make(ErrorType::serverInternal, "out of memory");
        }
        ldns_rr_set_owner(rr.get(), ldns_rdf_clone(owner.get()));
        ldns_rr_set_type(rr.get(), rrType);
        ldns_rr_set_class(rr.get(), LDNS_RR_CLASS_ANY);
        ldns_rr_set_ttl(rr.get(), 0);
    }

    RrListPtr updates(ldns_rr_list_new());
    if (!updates || !ldns_rr_list_push_rr(updates.get(), rr.get())) {
        return Problem::make(ErrorType::serverInternal, "out of memory");
    }
    rr.release();  // owned by the list now

    const std::string where = " at " + serverText();
    // ldns_update_pkt_new takes the zone rdf and copies the lists.
    PktPtr update(ldns_update_pkt_new(ldns_dname_new_frm_str(zone_.c_str()), LDNS_RR_CLASS_IN,
                                      nullptr, updates.get(), nullptr));
    if (!update) {
        return Problem::make(ErrorType::serverInternal, "cannot build the update for " + what);
    }
    ldns_pkt_set_rd(update.get(), false);

    ResolverPtr resolver = makeResolver(config_, &config_.tsig);
    if (!resolver) {
        return Problem::make(ErrorType::serverInternal, "cannot set up a resolver for " + where);
    }
    const ldns_status signStatus = ldns_update_pkt_tsig_add(update.get(), resolver.get());
    if (signStatus != LDNS_STATUS_OK) {
        return Problem::make(ErrorType::serverInternal,
                             "cannot sign the update with TSIG key \"" + config_.tsig.name +
                                 "\": " + ldns_get_errorstr_by_id(signStatus));
    }

    PktPtr answer;
    const ldns_status status = sendWithRetries(config_, &config_.tsig, update.get(), answer);
    if (!answer) {
        return Problem::make(ErrorType::dns, "RFC 2136 update" + where + " failed, " + what +
                                                 ": no answer (" + ldns_get_errorstr_by_id(status) +
                                                 ")");
    }
    const int rcode = ldns_pkt_get_rcode(answer.get());
    const int tsigErr = tsigError(answer.get());
    if (rcode != LDNS_RCODE_NOERROR || tsigErr != 0) {
        std::string detail =
            "RFC 2136 update" + where + " refused, " + what + ": " + rcodeName(rcode);
        if (tsigErr != 0) {
            detail += " (" + tsigErrorName(tsigErr) + ")";
        }
        return Problem::make(ErrorType::dns, detail + rcodeHint(rcode, tsigErr));
    }
    if (status != LDNS_STATUS_OK) {
        // NOERROR, but the answer's TSIG did not verify: it cannot be trusted.
        return Problem::make(ErrorType::dns, "RFC 2136 update" + where + ", " + what +
                                                 ": the answer could not be verified (" +
                                                 ldns_get_errorstr_by_id(status) + ")");
    }
    return okStatus();
}

Result<std::vector<std::string>> Rfc2136Client::query(std::string_view name,
                                                      std::string_view type) const {
    return queryDns(
        DnsServer{config_.server, config_.port, config_.timeout, config_.retries, false}, name,
        type);
}

std::string DnsServer::text() const {
    if (server.empty()) {
        return "the system resolver";
    }
    return (isIpv6(server) ? "[" + server + "]" : server) + ":" + std::to_string(port);
}

Result<std::vector<std::string>> queryDns(const DnsServer& dnsServer, std::string_view name,
                                          std::string_view type) {
    Rfc2136Config config;
    config.server = dnsServer.server;
    config.port = dnsServer.port;
    config.timeout = dnsServer.timeout;
    config.retries = dnsServer.retries;
    auto normalised = normaliseDnsName(name);
    if (!normalised) {
        return std::move(normalised).problem();
    }
    const std::string typeName = upper(type);
    const ldns_rr_type rrType = ldns_get_rr_type_by_name(typeName.c_str());
    if (rrType == 0) {
        return Problem::make(ErrorType::malformed,
                             "unknown record type \"" + std::string(type) + "\"");
    }
    RdfPtr owner(ldns_dname_new_frm_str(normalised->c_str()));
    if (!owner) {
        return Problem::make(ErrorType::malformed, "invalid DNS name \"" + *normalised + "\"");
    }
    // ldns_pkt_query_new takes the name rdf; RD only for a recursive resolver.
    PktPtr question(ldns_pkt_query_new(ldns_rdf_clone(owner.get()), rrType, LDNS_RR_CLASS_IN,
                                       dnsServer.recursive ? LDNS_RD : 0));
    if (!question) {
        return Problem::make(ErrorType::serverInternal, "cannot build the query");
    }
    PktPtr answer;
    const ldns_status status =
        sendWithRetries(config, nullptr, question.get(), answer, dnsServer.recursive);
    const std::string what = "query " + *normalised + " " + typeName + " at " + dnsServer.text();
    if (!answer) {
        return Problem::make(ErrorType::dns,
                             what + ": no answer (" + ldns_get_errorstr_by_id(status) + ")");
    }
    const int rcode = ldns_pkt_get_rcode(answer.get());
    std::vector<std::string> values;
    if (rcode == LDNS_RCODE_NXDOMAIN) {
        return values;
    }
    if (rcode != LDNS_RCODE_NOERROR) {
        return Problem::make(ErrorType::dns, what + ": " + rcodeName(rcode));
    }
    const ldns_rr_list* answers = ldns_pkt_answer(answer.get());
    for (size_t i = 0; answers != nullptr && i < ldns_rr_list_rr_count(answers); ++i) {
        const ldns_rr* rr = ldns_rr_list_rr(answers, i);
        if (ldns_rr_get_type(rr) != rrType ||
            ldns_dname_compare(ldns_rr_owner(rr), owner.get()) != 0) {
            continue;
        }
        std::string value;
        for (size_t j = 0; j < ldns_rr_rd_count(rr); ++j) {
            const ldns_rdf* rdf = ldns_rr_rdf(rr, j);
            if (rrType == LDNS_RR_TYPE_TXT && ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_STR &&
                ldns_rdf_size(rdf) >= 1) {
                const uint8_t* data = ldns_rdf_data(rdf);
                const size_t length = std::min<size_t>(data[0], ldns_rdf_size(rdf) - 1);
                value.append(reinterpret_cast<const char*>(data + 1), length);
            } else {
                char* s = ldns_rdf2str(rdf);
                if (s != nullptr) {
                    if (!value.empty()) {
                        value += ' ';
                    }
                    value += s;
                    std::free(s);
                }
            }
        }
        values.push_back(std::move(value));
    }
    return values;
}

}  // namespace legate::ido::solvers
