#include "idO/cli/AdminCommand.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "broker/cli/Arguments.h"
#include "broker/cli/TextFile.h"
#include "broker/wire/StrictJson.h"
#include "idO/cli/AdminClient.h"

namespace legate::ido {
namespace {

using nlohmann::json;

constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kUsageError = 2;
constexpr const char* kDefaultUrl = "http://127.0.0.1:8444";

constexpr const char* kUsage = R"(usage: ido admin [GLOBAL OPTIONS] COMMAND ...

Manage NDCs and delegations through the admin API (docs/admin-api.md).

Global options:
  --url URL           admin API base URL (default: $LEGATE_ADMIN_URL, else
                      http://127.0.0.1:8444)
  --token TOKEN       bearer token (default: $LEGATE_ADMIN_TOKEN)
  --token-file FILE   read the bearer token from FILE
  --tenant NAME       tenant (default: $LEGATE_TENANT)
  --json              print the API's JSON instead of text
  -h, --help          show this help and exit

Commands:
  ndc add --name NAME [--contact EMAIL]
      Onboard an NDC; prints its id and the EAB key (kid + HMAC key) to hand over.
  ndc list
  ndc show ID
  delegation add --ndc ID (--template FILE | --profile NAME --names a,b[,c]
                 [--allowed-suffix SUFFIX]...) [--cname-map FILE]
                 [--min-lifetime SECONDS] [--max-duration SECONDS]
                 [--implicit-lifetime SECONDS] [--termination stop-renewal|revoke]
      Create a delegation from a CSR template file or a bundled profile.
      --termination: what ending its orders does at the CA (default: the tenant's
      upstream.termination; docs/upstream.md "Termination").
      --implicit-lifetime: implicit delegation on (stock ACME clients need not name
      the delegation; docs/conformance.md), non-STAR certificates of SECONDS.
      --cname-map FILE: a JSON object {"name.ido.example.": "name.ndc.example."}.
  delegation list --ndc ID [--cursor C] [--limit N]
  delegation show ID
      The delegation, its orders and their current certificates.
  delegation rm ID
      Terminate the delegation (orders canceled, publication stopped).
  delegation dcv ID
      DCV delegation: the _acme-challenge CNAMEs the delegation's names need, in
      zone-file form, and whether each is in place now (docs/upstream.md).
  dcv-records --names a,b[,c]
      The same for names before any delegation exists.

Exit status: 0 success, 1 refused by the server (its detail on stderr) or
unreachable, 2 usage error.
)";

const cli::ArgSpec kArgSpec{
    .valueOptions = {"--url", "--token", "--token-file", "--tenant", "--name", "--contact", "--ndc",
                     "--template", "--profile", "--names", "--allowed-suffix", "--cname-map",
                     "--min-lifetime", "--max-duration", "--implicit-lifetime", "--termination"},
    .flags = {"--json", "--help"},
    .aliases = {{"-h", "--help"}}};
const std::set<std::string> kGlobalOptions = {"--url", "--token", "--token-file", "--tenant"};

/// A usage error: the command line, not the server, is at fault (exit 2).
acme::Problem usageError(std::string message) {
    return acme::Problem::make(acme::ErrorType::malformed, std::move(message));
}

using CommandLine = cli::Arguments;

/// Refuses command options that `command` does not take, and extra words.
Status expect(const CommandLine& line, size_t words, std::set<std::string> allowed,
              const std::string& command) {
    if (line.words.size() != words) {
        return usageError("wrong number of arguments for '" + command + "'");
    }
    allowed.insert(kGlobalOptions.begin(), kGlobalOptions.end());
    allowed.insert(kArgSpec.flags.begin(), kArgSpec.flags.end());
    return line.onlyThese(allowed, "'" + command + "'");
}

std::string envOr(const char* name, std::string fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

Result<json> readJsonFile(const std::string& path) {
    auto text = cli::readTextFile(path);
    LEGATE_TRY(text);
    auto doc = wire::parseStrictJson(*text);
    if (!doc) {
        return usageError(path + ": " + doc.problem().detail);
    }
    return std::move(doc).value();
}

std::string segment(const std::string& text) {
    return AdminClient::pathSegment(text);
}

std::string textOr(const json& value, const char* fallback = "-") {
    if (value.is_string()) {
        return value.get<std::string>();
    }
    return value.is_null() ? fallback : value.dump();
}

/// Prints rows as columns separated by two spaces, the first row a header.
void table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> widths;
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()));
        for (size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], row[i].size());
        }
    }
    for (const auto& row : rows) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) {
                line += std::string(widths[i] - row[i].size() + 2, ' ');
            }
        }
        out << line << "\n";
    }
}

/// Prints "label:  value" lines with the values aligned.
void fields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& rows) {
    size_t width = 0;
    for (const auto& [label, value] : rows) {
        width = std::max(width, label.size());
    }
    for (const auto& [label, value] : rows) {
        out << "  " << label << ":" << std::string(width - label.size() + 2, ' ') << value << "\n";
    }
}

/// The admin API client of one invocation: AdminClient plus the refusals printed.
class AdminApi {
public:
    AdminApi(std::string url, std::string token, const std::string& tenant)
        : client_(std::move(url), std::move(token)), base_(AdminClient::tenantPath(tenant)) {}

    /// The response document, or nullopt after printing the refusal on `err`.
    std::optional<json> call(const std::string& method, const std::string& path,
                             const std::optional<json>& body, std::ostream& err) {
        auto response = client_.request(method, base_ + path, body);
        if (!response) {
            err << "ido admin: " << response.problem().detail << "\n";
            return std::nullopt;
        }
        auto doc = response->json();
        if (response->status >= 400) {
            if (doc.is_object() && doc.contains("detail") && doc["detail"].is_string()) {
                err << "ido admin: " << doc["detail"].get<std::string>() << "\n";
                if (doc.contains("subproblems") && doc["subproblems"].is_array()) {
                    for (const auto& sub : doc["subproblems"]) {
                        err << "  - " << textOr(sub.value("detail", json(nullptr))) << "\n";
                    }
                }
            } else {
                err << "ido admin: " << method << " " << client_.baseUrl() << base_ << path
                    << ": HTTP " << response->status << "\n";
            }
            return std::nullopt;
        }
        if (doc.is_discarded()) {
            err << "ido admin: the server's answer is not JSON (HTTP " << response->status << ")\n";
            return std::nullopt;
        }
        return doc;
    }

private:
    AdminClient client_;
    std::string base_;
};

void printNdcAdded(std::ostream& out, const json& doc) {
    out << "NDC created.\n";
    fields(out, {{"id", textOr(doc["id"])},
                 {"name", textOr(doc["name"])},
                 {"contact", textOr(doc["contact"])},
                 {"EAB kid", textOr(doc["eab"]["kid"])},
                 {"EAB HMAC key", textOr(doc["eab"]["hmac_key"])}});
    out << "Hand the EAB kid and HMAC key to the NDC over a secure channel: its ACME account\n"
           "registers with them (External Account Binding). The HMAC key is not shown again.\n";
}

void printNdc(std::ostream& out, const json& doc) {
    std::string delegations;
    for (const auto& id : doc.value("delegations", json::array())) {
        delegations += (delegations.empty() ? "" : ", ") + textOr(id);
    }
    fields(out, {{"id", textOr(doc["id"])},
                 {"name", textOr(doc["name"])},
                 {"contact", textOr(doc["contact"])},
                 {"account", textOr(doc["account"], "- (EAB key not used yet)")},
                 {"EAB kid", textOr(doc["eab-kid"])},
                 {"created", textOr(doc["created"])},
                 {"delegations", delegations.empty() ? "-" : delegations}});
    if (doc.contains("delegations-next") && doc["delegations-next"].is_string()) {
        out << "(the first " << doc["delegations"].size() << " of "
            << textOr(doc["delegation-count"]) << "; page through them with: ido admin "
            << "delegation list --ndc " << textOr(doc["id"]) << ")\n";
    }
}

void printNdcList(std::ostream& out, const json& doc) {
    std::vector<std::vector<std::string>> rows{{"ID", "NAME", "CONTACT", "ACCOUNT", "CREATED"}};
    for (const auto& n : doc["ndcs"]) {
        rows.push_back({textOr(n["id"]), textOr(n["name"]), textOr(n["contact"]),
                        textOr(n["account"]), textOr(n["created"])});
    }
    if (rows.size() == 1) {
        out << "No NDCs.\n";
        return;
    }
    table(out, rows);
}

std::string starText(const json& star) {
    if (!star.is_object()) {
        return "-";
    }
    return "min-lifetime " + textOr(star["min-lifetime"]) + " s, max-duration " +
           textOr(star["max-duration"]) + " s";
}

std::string joined(const json& array) {
    std::string text;
    for (const auto& e : array) {
        text += (text.empty() ? "" : ", ") + textOr(e);
    }
    return text.empty() ? "-" : text;
}

void printDelegation(std::ostream& out, const json& d) {
    std::string cnames;
    if (d["cname-map"].is_object()) {
        for (const auto& [key, value] : d["cname-map"].items()) {
            cnames += (cnames.empty() ? "" : ", ") + key + " -> " + textOr(value);
        }
    }
    fields(out, {{"id", textOr(d["id"])},
                 {"ndc", textOr(d["ndc"])},
                 {"status", textOr(d["status"])},
                 {"profile", textOr(d["profile"])},
                 {"url", textOr(d["url"])},
                 {"created", textOr(d["created"])},
                 {"allowed suffixes", joined(d["allowed-suffixes"])},
                 {"star", starText(d["star"])},
                 {"cname-map", cnames.empty() ? "-" : cnames},
                 {"termination", d.contains("termination")
                                     ? textOr(d["termination"]) + " (from the " +
                                           textOr(d.value("termination-from", json("tenant"))) + ")"
                                     : "-"},
                 {"csr-template", d["csr-template"].dump()}});
    if (!d.contains("orders")) {
        return;
    }
    if (d["orders"].empty()) {
        out << "No orders.\n";
        return;
    }
    out << "Orders:\n";
    std::vector<std::vector<std::string>> rows{
        {"ID", "STATUS", "IDENTIFIERS", "STAR", "EXPIRES", "CERTIFICATE", "UPSTREAM"}};
    for (const auto& o : d["orders"]) {
        std::string ids;
        for (const auto& i : o["identifiers"]) {
            ids += (ids.empty() ? "" : ",") + textOr(i["value"]);
        }
        std::string cert = "-";
        if (o["certificate"].is_object()) {
            const auto& c = o["certificate"];
            cert = textOr(c["state"]);
            if (c["notBefore"].is_string()) {
                cert += " " + textOr(c["notBefore"]) + " .. " + textOr(c["notAfter"]);
            }
        }
        // e.g. "emulate shortlived, validity issued by the CA": which profile the CA was
        // asked for and whether the schedule follows what it issues.
        std::string upstream = "-";
        if (o.contains("upstream") && o["upstream"].is_object()) {
            const auto& u = o["upstream"];
            upstream = textOr(u["mode"]);
            if (u["profile"].is_string()) {
                upstream += " " + textOr(u["profile"]);
            }
            upstream += ", validity " + textOr(u["validity"]);
        }
        rows.push_back({textOr(o["id"]), textOr(o["status"]), ids,
                        o.contains("star") ? "yes" : "no", textOr(o["expires"]), cert, upstream});
    }
    table(out, rows);
    if (d.contains("orders-next") && d["orders-next"].is_string()) {
        // The admin API pages a delegation's orders (docs/admin-api.md).
        out << "More orders: GET " << textOr(d["orders-next"]) << "\n";
    }
}

/// The records to create, in zone-file form, then the status of each.
void printDcv(std::ostream& out, const json& dcv) {
    if (!dcv.is_object()) {
        out << "This tenant does not use DCV delegation (upstream solvers dns-01 "
               "dcv-delegation).\n";
        return;
    }
    const auto& names = dcv.value("names", json::array());
    if (names.empty()) {
        out << "No name of this delegation is validated through the validation zone "
            << textOr(dcv["zone"]) << ".\n";
        return;
    }
    out << "; DCV delegation: create once, in the zone of each name\n";
    for (const auto& n : names) {
        if (n.contains("record")) {
            out << textOr(n["record"]) << "\n";
        }
    }
    out << "\nChecked " << textOr(dcv["checked"]) << " through " << textOr(dcv["resolver"])
        << ":\n";
    std::vector<std::vector<std::string>> rows{{"NAME", "STATUS", "CNAME TARGET NOW"}};
    for (const auto& n : names) {
        rows.push_back({textOr(n["name"]), textOr(n["status"]),
                        n.contains("found") ? textOr(n["found"]) : "-"});
    }
    table(out, rows);
    if (dcv.contains("error")) {
        out << "The resolver did not answer: " << textOr(dcv["error"]) << "\n";
    }
}

void printDelegationList(std::ostream& out, const json& doc) {
    std::vector<std::vector<std::string>> rows{{"ID", "STATUS", "PROFILE", "STAR", "CREATED"}};
    for (const auto& d : doc["delegations"]) {
        rows.push_back({textOr(d["id"]), textOr(d["status"]), textOr(d["profile"]),
                        starText(d["star"]), textOr(d["created"])});
    }
    if (rows.size() == 1) {
        out << "No delegations.\n";
        return;
    }
    table(out, rows);
    // The listing is paged (docs/admin-api.md): say how to get the next page.
    if (doc.contains("next") && doc["next"].is_string()) {
        const std::string next = doc["next"];
        const auto at = next.find("cursor=");
        if (at != std::string::npos) {
            const auto end = next.find('&', at);
            out << "More: add --cursor "
                << next.substr(at + 7, end == std::string::npos ? end : end - at - 7) << "\n";
        }
    }
}

/// The value of option `name` (required), or return its usage error.
#define ADMIN_ASSIGN(var, expr) \
    auto var##_result = (expr); \
    LEGATE_TRY(var##_result);   \
    auto var = std::move(var##_result).value()

Result<json> delegationBody(const CommandLine& line) {
    json body = json::object();
    const bool hasTemplate = line.has("--template");
    const bool hasProfile = line.has("--profile");
    if (hasTemplate == hasProfile) {
        return usageError("give exactly one of --template and --profile");
    }
    if (hasTemplate) {
        if (line.has("--names")) {
            return usageError("--names goes with --profile");
        }
        ADMIN_ASSIGN(file, line.required("--template"));
        ADMIN_ASSIGN(csrTemplate, readJsonFile(file));
        body["csr-template"] = std::move(csrTemplate);
    } else {
        ADMIN_ASSIGN(profile, line.required("--profile"));
        ADMIN_ASSIGN(names, line.required("--names"));
        body["profile"] = profile;
        body["names"] = cli::splitList(names);
    }
    if (line.has("--allowed-suffix")) {
        body["allowed-suffixes"] = line.all("--allowed-suffix");
    }
    if (line.has("--cname-map")) {
        ADMIN_ASSIGN(file, line.required("--cname-map"));
        ADMIN_ASSIGN(map, readJsonFile(file));
        body["cname-map"] = std::move(map);
    }
    if (line.has("--min-lifetime") || line.has("--max-duration")) {
        json star = json::object();
        for (const char* option : {"--min-lifetime", "--max-duration"}) {
            if (auto v = line.get(option)) {
                ADMIN_ASSIGN(value, cli::parseSeconds(option, *v));
                star[std::string(option + 2)] = value;
            }
        }
        body["star"] = star;
    }
    if (auto v = line.get("--implicit-lifetime")) {
        ADMIN_ASSIGN(lifetime, cli::parseSeconds("--implicit-lifetime", *v));
        body["implicit"] = {{"lifetime", lifetime}};
    }
    if (auto v = line.get("--termination")) {
        if (*v != "stop-renewal" && *v != "revoke") {
            return usageError("--termination: expected stop-renewal or revoke, got \"" + *v + "\"");
        }
        body["termination"] = *v;
    }
    return body;
}

/// The bearer token from --token, --token-file or the environment.
Result<std::string> tokenOf(const CommandLine& line) {
    if (line.has("--token") && line.has("--token-file")) {
        return usageError("give --token or --token-file, not both");
    }
    std::string token = envOr("LEGATE_ADMIN_TOKEN", "");
    if (auto t = line.get("--token")) {
        token = *t;
    } else if (auto file = line.get("--token-file")) {
        ADMIN_ASSIGN(text, cli::readTextFile(*file));
        token = text.substr(0, text.find_last_not_of(" \t\r\n") + 1);
    }
    if (token.empty()) {
        return usageError("no token: use --token, --token-file or $LEGATE_ADMIN_TOKEN");
    }
    return token;
}

/// What one command asks of the API, and how its answer is printed.
struct Call {
    std::string method;
    std::string path;
    std::optional<json> body;
    std::function<void(std::ostream&, const json&)> print;
};

Result<Call> callOf(const CommandLine& line) {
    if (!line.words.empty() && line.words[0] == "dcv-records") {
        LEGATE_TRY(expect(line, 1, {"--names"}, "dcv-records"));
        ADMIN_ASSIGN(names, line.required("--names"));
        json list = json::array();
        size_t start = 0;
        while (start <= names.size()) {
            const size_t comma = std::min(names.find(',', start), names.size());
            if (comma > start) {
                list.push_back(names.substr(start, comma - start));
            }
            start = comma + 1;
        }
        return Call{"POST", "/dcv-records", json{{"names", list}}, printDcv};
    }
    if (line.words.size() < 2) {
        return usageError(line.words.empty() ? "a command is required"
                                             : "'" + line.words[0] + "' needs a subcommand");
    }
    const std::string command = line.words[0] + " " + line.words[1];
    if (command == "ndc add") {
        LEGATE_TRY(expect(line, 2, {"--name", "--contact"}, command));
        ADMIN_ASSIGN(name, line.required("--name"));
        json body = {{"name", name}};
        if (auto contact = line.get("--contact")) {
            body["contact"] = *contact;
        }
        return Call{"POST", "/ndcs", body, printNdcAdded};
    }
    if (command == "ndc list") {
        LEGATE_TRY(expect(line, 2, {}, command));
        return Call{"GET", "/ndcs", std::nullopt, printNdcList};
    }
    if (command == "ndc show") {
        LEGATE_TRY(expect(line, 3, {}, command));
        return Call{"GET", "/ndcs/" + segment(line.words[2]), std::nullopt, printNdc};
    }
    if (command == "delegation add") {
        LEGATE_TRY(expect(
            line, 2,
            {"--ndc", "--template", "--profile", "--names", "--allowed-suffix", "--cname-map",
             "--min-lifetime", "--max-duration", "--implicit-lifetime", "--termination"},
            command));
        ADMIN_ASSIGN(ndc, line.required("--ndc"));
        ADMIN_ASSIGN(body, delegationBody(line));
        return Call{"POST", "/ndcs/" + segment(ndc) + "/delegations", body,
                    [](std::ostream& o, const json& d) {
                        o << "Delegation created.\n";
                        fields(o, {{"id", textOr(d["id"])}, {"url", textOr(d["url"])}});
                        o << "The NDC orders under it by putting this url in its newOrder "
                             "\"delegation\".\n";
                    }};
    }
    if (command == "delegation list") {
        LEGATE_TRY(expect(line, 2, {"--ndc", "--cursor", "--limit"}, command));
        ADMIN_ASSIGN(ndc, line.required("--ndc"));
        std::string query;
        for (const char* option : {"--cursor", "--limit"}) {
            if (line.has(option)) {
                ADMIN_ASSIGN(value, line.required(option));
                query +=
                    (query.empty() ? "?" : "&") + std::string(option + 2) + "=" + segment(value);
            }
        }
        return Call{"GET", "/ndcs/" + segment(ndc) + "/delegations" + query, std::nullopt,
                    printDelegationList};
    }
    if (command == "delegation show") {
        LEGATE_TRY(expect(line, 3, {}, command));
        return Call{"GET", "/delegations/" + segment(line.words[2]), std::nullopt, printDelegation};
    }
    if (command == "delegation dcv") {
        LEGATE_TRY(expect(line, 3, {}, command));
        return Call{"GET", "/delegations/" + segment(line.words[2]), std::nullopt,
                    [](std::ostream& o, const json& d) {
                        printDcv(o, d.contains("dcv") ? d["dcv"] : json(nullptr));
                    }};
    }
    if (command == "delegation rm") {
        LEGATE_TRY(expect(line, 3, {}, command));
        return Call{"DELETE", "/delegations/" + segment(line.words[2]), std::nullopt,
                    [](std::ostream& o, const json& d) {
                        o << "Delegation " << textOr(d["id"]) << " terminated; "
                          << textOr(d["orders-canceled"]) << " order(s) canceled.\n";
                    }};
    }
    return usageError("unknown command '" + command + "'");
}

/// Runs a parsed command line: exit status 0 or 1, or a usage error.
Result<int> run(const CommandLine& line, std::ostream& out, std::ostream& err) {
    ADMIN_ASSIGN(call, callOf(line));
    ADMIN_ASSIGN(token, tokenOf(line));
    const auto tenant = line.get("--tenant").value_or(envOr("LEGATE_TENANT", ""));
    if (tenant.empty()) {
        return usageError("no tenant: use --tenant or $LEGATE_TENANT");
    }
    AdminApi api(line.get("--url").value_or(envOr("LEGATE_ADMIN_URL", kDefaultUrl)), token, tenant);
    const auto doc = api.call(call.method, call.path, call.body, err);
    if (!doc) {
        return kRefused;
    }
    if (line.flag("--json")) {
        out << doc->dump(2) << "\n";
    } else {
        call.print(out, *doc);
    }
    return kOk;
}

#undef ADMIN_ASSIGN

}  // namespace

int runAdminCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    auto line = cli::parseArguments(args, kArgSpec);
    if (line.ok() && line->flag("--help")) {
        out << kUsage;
        return kOk;
    }
    Result<int> status = line.ok() ? run(*line, out, err) : Result<int>(line.problem());
    if (!status.ok()) {
        err << "ido admin: " << status.problem().detail << "\n\n" << kUsage;
        return kUsageError;
    }
    return *status;
}

}  // namespace legate::ido
