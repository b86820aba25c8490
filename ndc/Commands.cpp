#include "ndc/Commands.h"

#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "broker/cli/Arguments.h"
#include "broker/core/Time.h"
#include "broker/crypto/Certificate.h"
#include "ndc/AcmeClient.h"
#include "ndc/Agent.h"
#include "ndc/ChainVerifier.h"
#include "ndc/Config.h"
#include "ndc/Daemon.h"
#include "ndc/Installer.h"
#include "ndc/KeyStore.h"
#include "ndc/Ordering.h"
#include "ndc/StateStore.h"

namespace legate::ndc {

using acme::ErrorType;
using acme::Problem;
using nlohmann::json;

namespace {

constexpr const char* kUsage = R"(usage: ndc COMMAND [OPTIONS]

The NDC agent of Legate: obtains delegated certificates (RFC 9115) from an IdO and keeps
them installed for edge servers.  Keys are made here and never leave this machine.

Commands:
  register     --server DIRECTORY_URL --eab-kid KID --eab-hmac-key-file FILE|-
               [--contact URI ...]
               [--ca-bundle FILE] --state DIR
               create the ACME account (External Account Binding) and its key
  delegations  --state DIR            list the delegations available to the account
  order        --delegation URL --out DIR --state DIR [--name SLOT]
               [--star [--lifetime S] [--end-date RFC3339 | --duration S] | --no-star]
               [--value FIELD=VALUE ...] [--key-type P-256|P-384|RSA-2048|...]
               [--trust FILE] [--timeout S] [--max-poll S]
               order a delegated certificate and install fullchain.pem + key.pem in DIR
  run          --config FILE          the daemon: keep every configured delegation fresh
  status       --state DIR | --config FILE
               every delegation, its certificate's validity and the next action

Common options:
  --json       one JSON document on stdout instead of step-by-step text
  --state DIR  state directory (default: $NDC_STATE); holds the account key (0600),
               one key per delegation (0600) and state.json
  -h, --help   this help;  --version  the version

--value FIELD=VALUE fills the template's "**"/"*" fields: FIELD is an RFC 9115 subject
member (commonName, organization, ...) or DNS for a name in a "**"/"*" DNS slot.
See docs/ndc.md for the configuration file of `ndc run`.
)";

/// The parsed command line (broker/cli), read by option names without the dashes.
struct Args {
    std::string command;
    cli::Arguments parsed;

    std::string get(const std::string& name, const std::string& fallback = "") const {
        return parsed.getOr("--" + name, fallback);
    }
    bool has(const std::string& name) const { return parsed.has("--" + name); }
    std::vector<std::string> all(const std::string& name) const { return parsed.all("--" + name); }
    bool flag(const std::string& name) const { return parsed.flag("--" + name); }
};

struct UsageError {
    std::string message;
};

const std::set<std::string> kFlags = {"json", "star", "no-star", "help"};
const std::map<std::string, std::set<std::string>> kOptions = {
    {"register", {"server", "eab-kid", "eab-hmac-key-file", "contact", "ca-bundle", "state"}},
    {"delegations", {"state", "ca-bundle", "config"}},
    {"order",
     {"delegation", "out", "state", "config", "name", "lifetime", "end-date", "duration", "value",
      "key-type", "trust", "timeout", "max-poll", "ca-bundle"}},
    {"run", {"config"}},
    {"status", {"state", "config"}},
};

Args parse(const std::vector<std::string>& argv) {
    Args args;
    args.command = argv.at(0);
    const auto known = kOptions.find(args.command);
    if (known == kOptions.end()) {
        throw UsageError{"unknown command '" + args.command + "'"};
    }
    cli::ArgSpec spec{.aliases = {{"-h", "--help"}}, .words = false};
    for (const auto& name : known->second) {
        spec.valueOptions.insert("--" + name);
    }
    for (const auto& name : kFlags) {
        spec.flags.insert("--" + name);
    }
    auto parsed = cli::parseArguments({argv.begin() + 1, argv.end()}, spec);
    if (!parsed) {
        throw UsageError{"`ndc " + args.command + "`: " + parsed.problem().detail};
    }
    args.parsed = std::move(parsed).value();
    return args;
}

std::string required(const Args& args, const std::string& name) {
    if (!args.has(name) || args.get(name).empty()) {
        throw UsageError{"`ndc " + args.command + "` needs --" + name};
    }
    return args.get(name);
}

int64_t number(const Args& args, const std::string& name, int64_t fallback) {
    if (!args.has(name)) {
        return fallback;
    }
    auto value = cli::parseSeconds("--" + name, args.get(name), 1);
    if (!value) {
        throw UsageError{value.problem().detail};
    }
    return *value;
}

/// Output: step-by-step text, or collected into one JSON document.
class Reporter {
public:
    Reporter(std::ostream& out, bool json) : out_(out), json_(json) {}
    void step(const std::string& name, const std::string& detail) {
        ++count_;
        if (!json_) {
            out_ << "[" << count_ << "] " << std::left << std::setw(12) << name << " " << detail
                 << std::endl;
        }
    }
    void line(const std::string& text) {
        if (!json_) {
            out_ << text << std::endl;
        }
    }
    bool jsonMode() const { return json_; }
    void emit(const nlohmann::json& doc) {
        if (json_) {
            out_ << doc.dump(2) << std::endl;
        }
    }

private:
    std::ostream& out_;
    bool json_;
    int count_ = 0;
};

std::filesystem::path absolute(const std::filesystem::path& p) {
    std::error_code ec;
    auto a = std::filesystem::absolute(p, ec);
    return ec ? p : a.lexically_normal();
}

std::filesystem::path stateDirOf(const Args& args) {
    if (args.has("state")) {
        return absolute(args.get("state"));
    }
    if (args.has("config")) {
        auto config = loadConfig(args.get("config"));
        if (!config.ok()) {
            throw UsageError{"invalid configuration " + config.problem().detail};
        }
        return config->stateDir;
    }
    if (const char* env = std::getenv("NDC_STATE"); env && *env) {
        return absolute(env);
    }
    throw UsageError{"`ndc " + args.command + "` needs --state DIR (or $NDC_STATE)"};
}

http::HttpClientOptions httpOptions(const std::string& caBundle) {
    http::HttpClientOptions o;
    if (!caBundle.empty()) {
        o.caBundle = caBundle;
    }
    o.userAgent = "legate-ndc/" LEGATE_VERSION;
    return o;
}

/// The state and an AcmeClient logged into the saved account.
struct Session {
    StateStore store;
    NdcState state;
    KeyStore keys;
    std::unique_ptr<AcmeClient> client;
};

Result<Session> openSession(const Args& args) {
    const auto dir = stateDirOf(args);
    Session s{StateStore(dir), {}, KeyStore(dir), nullptr};
    auto state = s.store.load();
    LEGATE_TRY(state);
    s.state = std::move(state).value();
    if (s.state.accountUrl.empty()) {
        return Problem::make(ErrorType::accountDoesNotExist,
                             "no account in " + dir.string() + " (run `ndc register` first)");
    }
    auto key = s.keys.accountKey(false);
    LEGATE_TRY(key);
    const auto ca = args.get("ca-bundle", s.state.caBundle);
    s.client = std::make_unique<AcmeClient>(s.state.server, httpOptions(ca));
    s.client->setAccount(std::move(key).value(), s.state.accountUrl);
    LEGATE_TRY(s.client->loadDirectory());
    return s;
}

int failed(std::ostream& err, const std::string& what, const Problem& p) {
    err << "ndc: " << what << " failed: " << p.detail << "\n";
    return 1;
}

std::string slotNameFor(const std::string& delegationUrl) {
    std::string last = delegationUrl.substr(delegationUrl.find_last_of('/') + 1);
    std::string out;
    for (char c : last) {
        const bool ok =
            std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
        out += ok ? c : '_';
    }
    while (!out.empty() && (out[0] == '.' || out[0] == '-')) {
        out.erase(0, 1);
    }
    if (out.size() > 64) {
        out.resize(64);
    }
    return out.empty() ? "delegation" : out;
}

std::string inWords(Seconds s) {
    const bool past = s.count() < 0;
    int64_t v = std::llabs(s.count());
    std::ostringstream o;
    if (v >= 86400) {
        o << v / 86400 << "d " << (v % 86400) / 3600 << "h";
    } else if (v >= 3600) {
        o << v / 3600 << "h " << (v % 3600) / 60 << "m";
    } else if (v >= 60) {
        o << v / 60 << "m " << v % 60 << "s";
    } else {
        o << v << "s";
    }
    return past ? o.str() + " ago" : "in " + o.str();
}

// ---- register ----

/// The EAB MAC key from a file, or from stdin for "-": never from argv, where `ps`,
/// /proc/PID/cmdline and shell history would show it.  Surrounding whitespace (the
/// newline of `echo KEY > FILE`) is not part of the key.
std::string readEabHmacKey(const std::string& path) {
    std::string text;
    if (path == "-") {
        std::ostringstream all;
        all << std::cin.rdbuf();
        text = all.str();
    } else {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            throw UsageError{"--eab-hmac-key-file: cannot read '" + path + "'"};
        }
        std::ostringstream all;
        all << in.rdbuf();
        text = all.str();
    }
    const auto first = text.find_first_not_of(" \t\r\n");
    const auto last = text.find_last_not_of(" \t\r\n");
    if (first == std::string::npos) {
        throw UsageError{"--eab-hmac-key-file: '" + path + "' holds no key"};
    }
    return text.substr(first, last - first + 1);
}

int cmdRegister(const Args& args, std::ostream& out, std::ostream& err) {
    Reporter report(out, args.flag("json"));
    const auto server = required(args, "server");
    const auto kid = required(args, "eab-kid");
    const auto hmac = readEabHmacKey(required(args, "eab-hmac-key-file"));
    const auto dir = stateDirOf(args);
    const std::string ca = args.has("ca-bundle") ? absolute(args.get("ca-bundle")).string() : "";

    StateStore store(dir);
    auto state = store.load();
    if (!state.ok()) {
        return failed(err, "reading state", state.problem());
    }
    KeyStore keys(dir);
    const bool existed = std::filesystem::exists(keys.dir() / "account.key");
    auto key = keys.accountKey(true);
    if (!key.ok()) {
        return failed(err, "account key", key.problem());
    }
    report.step("account key", (keys.dir() / "account.key").string() +
                                   (existed ? " (existing)" : " (generated, mode 0600)"));
    AcmeClient client(server, httpOptions(ca));
    client.setKey(std::move(key).value());
    if (auto loaded = client.loadDirectory(); !loaded.ok()) {
        return failed(err, "reading the directory", loaded.problem());
    }
    const auto& meta = client.directory().value("meta", json::object());
    report.step("directory", server + (meta.value("delegation-enabled", false)
                                           ? " (delegation-enabled)"
                                           : " (WARNING: no delegation-enabled in meta)"));
    auto account = client.newAccount(kid, hmac, args.all("contact"));
    if (!account.ok()) {
        return failed(err, "newAccount", account.problem());
    }
    const auto doc = account->json();
    report.step("account", client.accountUrl() +
                               (account->status == 201 ? " (created)" : " (already existed)"));
    state->server = server;
    state->caBundle = ca;
    state->accountUrl = client.accountUrl();
    if (auto saved = store.save(*state); !saved.ok()) {
        return failed(err, "saving state", saved.problem());
    }
    report.line("state saved in " + dir.string());
    report.emit({{"account", client.accountUrl()},
                 {"status", doc.value("status", "")},
                 {"delegations", doc.value("delegations", "")},
                 {"server", server},
                 {"state", dir.string()}});
    return 0;
}

// ---- delegations ----

std::optional<std::string> nextLink(const http::Headers& headers) {
    for (const auto& value : headers.getAll("Link")) {
        if (value.find("rel=\"next\"") == std::string::npos) {
            continue;
        }
        const auto open = value.find('<');
        const auto close = value.find('>');
        if (open != std::string::npos && close != std::string::npos && close > open) {
            return value.substr(open + 1, close - open - 1);
        }
    }
    return std::nullopt;
}

int cmdDelegations(const Args& args, std::ostream& out, std::ostream& err) {
    Reporter report(out, args.flag("json"));
    auto session = openSession(args);
    if (!session.ok()) {
        return failed(err, "login", session.problem());
    }
    auto& client = *session->client;
    auto account = client.postOk(session->state.accountUrl, std::nullopt);
    if (!account.ok()) {
        return failed(err, "reading the account", account.problem());
    }
    const auto accountDoc = account->json();
    if (!accountDoc.contains("delegations") || !accountDoc["delegations"].is_string()) {
        err << "ndc: the account has no `delegations` URL: the server does not support RFC "
               "9115 delegation\n";
        return 1;
    }
    std::vector<std::string> urls;
    std::optional<std::string> page = accountDoc["delegations"].get<std::string>();
    for (int pages = 0; page && pages < 100; ++pages) {
        auto list = client.postOk(*page, std::nullopt);
        if (!list.ok()) {
            return failed(err, "listing delegations", list.problem());
        }
        for (const auto& u : list->json().value("delegations", json::array())) {
            if (u.is_string()) {
                urls.push_back(u.get<std::string>());
            }
        }
        page = nextLink(list->headers);
    }
    json docs = json::array();
    if (urls.empty()) {
        report.line("no delegations are available to this account yet");
    }
    for (const auto& url : urls) {
        auto d = fetchDelegation(client, url);
        if (!d.ok()) {
            return failed(err, "reading " + url, d.problem());
        }
        const auto names = templateNames(d->csrTemplate);
        std::string joined;
        for (const auto& n : names) {
            joined += (joined.empty() ? "" : ", ") + n;
        }
        report.line(url);
        report.line("  names:      " + (joined.empty() ? std::string("(chosen by you)") : joined));
        std::string summary = describeTemplate(d->csrTemplate, "  ");
        if (!summary.empty() && summary.back() == '\n') {
            summary.pop_back();
        }
        report.line(summary);
        if (d->object.contains("cname-map")) {
            for (const auto& [from, to] : d->object["cname-map"].items()) {
                report.line("  cname-map:  " + from + " -> " + to.get<std::string>());
            }
        }
        docs.push_back({{"url", url},
                        {"names", names},
                        {"csr-template", d->object["csr-template"]},
                        {"cname-map", d->object.value("cname-map", json())}});
    }
    report.emit({{"delegations", docs}});
    return 0;
}

// ---- order ----

int cmdOrder(const Args& args, std::ostream& out, std::ostream& err) {
    Reporter report(out, args.flag("json"));
    const auto delegationUrl = required(args, "delegation");
    const auto outDir = absolute(required(args, "out"));
    if (args.flag("star") && args.flag("no-star")) {
        throw UsageError{"--star and --no-star exclude each other"};
    }
    SlotConfig spec;  // the slot `ndc run` would have for these options
    spec.delegationUrl = delegationUrl;
    spec.out = outDir;
    spec.star = !args.flag("no-star");
    spec.lifetime = Seconds{number(args, "lifetime", 86400)};
    spec.duration = Seconds{number(args, "duration", 7 * 86400)};
    if (args.has("end-date")) {
        spec.endDate = parseRfc3339(args.get("end-date"));
        if (!spec.endDate) {
            throw UsageError{"--end-date expects RFC 3339, e.g. 2026-12-31T00:00:00Z"};
        }
    }
    if (!spec.star && (args.has("lifetime") || args.has("end-date") || args.has("duration"))) {
        throw UsageError{"--lifetime/--end-date/--duration are for STAR orders, not --no-star"};
    }
    for (const auto& v : args.all("value")) {
        const auto eq = v.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw UsageError{"--value expects FIELD=VALUE, got '" + v + "'"};
        }
        const auto field = v.substr(0, eq);
        if (field == "DNS" || field == "dns") {
            spec.dnsNames.push_back(v.substr(eq + 1));
        } else {
            spec.subject[field] = v.substr(eq + 1);
        }
    }
    if (args.has("key-type")) {
        spec.keyType = crypto::parseKeyType(args.get("key-type"));
        if (!spec.keyType) {
            throw UsageError{"unknown --key-type '" + args.get("key-type") +
                             "' (P-256, P-384, P-521, RSA-2048, RSA-3072, RSA-4096)"};
        }
    }
    const std::string slot = args.get("name", slotNameFor(delegationUrl));
    if (!validSlotName(slot)) {
        throw UsageError{"--name must be 1-64 characters of [A-Za-z0-9._-]"};
    }
    const Seconds timeout{number(args, "timeout", 600)};
    Timing timing;
    timing.maxOrderPoll = Seconds{number(args, "max-poll", 60)};
    auto session = openSession(args);
    if (!session.ok()) {
        return failed(err, "login", session.problem());
    }
    // A fresh order for the slot, from the first step; the Agent of `ndc run` drives it.
    {
        auto& s = session->state.slots[slot];
        s.orderUrl.clear();
        s.certificateUrl.clear();
        s.ended.clear();
        s.nextAction = "order";
        s.nextAt.reset();
        s.failures = 0;
        s.lastError.clear();
        if (auto saved = session->store.save(session->state); !saved.ok()) {
            return failed(err, "saving state", saved.problem());
        }
    }
    spec.name = slot;
    Config config;
    config.stateDir = session->store.file().parent_path();
    if (args.has("trust")) {
        config.trust = absolute(args.get("trust"));
    }
    config.timing = timing;
    config.slots = {spec};

    const Clock& clock = SystemClock::instance();
    auto engine = std::make_shared<std::mt19937>(std::random_device{}());
    Agent agent(config, *session->client, session->keys, session->store, clock,
                [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); });
    agent.setProgress(
        [&](const std::string& step, const std::string& detail) { report.step(step, detail); });
    if (auto started = agent.start(); !started.ok()) {
        return failed(err, "reading --trust", started.problem());
    }
    const auto deadline = clock.now() + timeout;
    for (;;) {
        const TimePoint next = agent.runDue();
        const SlotState& s = agent.state().slots.at(slot);
        if (s.failures > 0) {
            err << "ndc: " << s.lastError << "\n";
            return 1;
        }
        if (!s.ended.empty()) {
            err << "ndc: the order ended (" << s.ended << ")\n";
            return 1;
        }
        if (s.installed && !s.certificateUrl.empty() && s.nextAction == "fetch") {
            break;
        }
        if (next > deadline) {
            err << "ndc: the order is still not valid after " << timeout.count()
                << " s; `ndc run` (or another `ndc order`) can pick it up: " << s.orderUrl << "\n";
            return 1;
        }
        std::this_thread::sleep_until(next);
    }
    const SlotState& s = agent.state().slots.at(slot);
    if (spec.star) {
        report.line("renewals: keep it fresh with `ndc run --config FILE` (slot '" + slot + "')");
    }
    report.emit({{"slot", slot},
                 {"order", s.orderUrl},
                 {"status", "valid"},
                 {"certificate-url", s.certificateUrl},
                 {"names", s.names},
                 {"serial", s.installed->serial},
                 {"not-before", toRfc3339(s.installed->notBefore)},
                 {"not-after", toRfc3339(s.installed->notAfter)},
                 {"fullchain", (outDir / "fullchain.pem").string()},
                 {"key", (outDir / "key.pem").string()}});
    return 0;
}

// ---- status ----

int cmdStatus(const Args& args, std::ostream& out, std::ostream& err) {
    Reporter report(out, args.flag("json"));
    const auto dir = stateDirOf(args);
    auto state = StateStore(dir).load();
    if (!state.ok()) {
        return failed(err, "reading state", state.problem());
    }
    std::vector<std::string> names;
    if (args.has("config")) {
        auto config = loadConfig(args.get("config"));
        if (!config.ok()) {
            return failed(err, "configuration", config.problem());
        }
        for (const auto& s : config->slots) {
            names.push_back(s.name);
        }
    } else {
        for (const auto& [name, s] : state->slots) {
            names.push_back(name);
        }
    }
    const auto now = SystemClock::instance().now();
    report.line("account " + (state->accountUrl.empty() ? "(none)" : state->accountUrl) +
                (state->server.empty() ? "" : "\nserver  " + state->server));
    json slots = json::array();
    for (const auto& name : names) {
        const SlotState s = state->slots.count(name) ? state->slots.at(name) : SlotState{};
        json j = {{"name", name},
                  {"delegation", s.delegationUrl},
                  {"order", s.orderUrl},
                  {"certificate-url", s.certificateUrl},
                  {"out", s.out},
                  {"next-action", s.ended.empty() ? s.nextAction : "stopped"},
                  {"next-at", s.nextAt ? json(toRfc3339(*s.nextAt)) : json(nullptr)},
                  {"failures", s.failures},
                  {"last-error", s.lastError},
                  {"ended", s.ended},
                  {"reload-pending", s.reloadPending}};
        report.line("");
        report.line(name + "  " + s.delegationUrl);
        report.line("  order        " + (s.orderUrl.empty() ? "(none yet)" : s.orderUrl));
        // What the edge really has on disk, not only what we remember.
        std::optional<crypto::Certificate> leaf;
        if (!s.out.empty()) {
            auto chain = crypto::parsePemCertificates(installedChain(std::filesystem::path(s.out)));
            if (chain.ok() && !chain->empty()) {
                leaf = chain->front();
            }
        }
        if (leaf) {
            const bool valid = leaf->validAt(now);
            j["installed"] = {{"serial", leaf->serialHex()},
                              {"not-before", toRfc3339(leaf->notBefore())},
                              {"not-after", toRfc3339(leaf->notAfter())},
                              {"valid", valid},
                              {"fullchain", (std::filesystem::path(s.out) / "fullchain.pem")}};
            report.line("  certificate  serial " + leaf->serialHex() + ", " +
                        (valid ? "VALID" : "NOT VALID") + " " + toRfc3339(leaf->notBefore()) +
                        " .. " + toRfc3339(leaf->notAfter()) + " (expires " +
                        inWords(std::chrono::duration_cast<Seconds>(leaf->notAfter() - now)) + ")");
            report.line("  files        " + s.out + "/{fullchain.pem,key.pem}");
        } else {
            j["installed"] = nullptr;
            report.line("  certificate  none installed" +
                        (s.out.empty() ? std::string() : " in " + s.out));
        }
        if (!s.ended.empty()) {
            report.line("  next         stopped: the order ended (" + s.ended +
                        "); the certificate stays until it expires");
        } else if (s.nextAt) {
            report.line("  next         " + s.nextAction + " at " + toRfc3339(*s.nextAt) + " (" +
                        inWords(std::chrono::duration_cast<Seconds>(*s.nextAt - now)) + ")");
        } else {
            report.line("  next         " + (s.nextAction.empty() ? "order" : s.nextAction) +
                        " when `ndc run` starts");
        }
        if (s.reloadPending) {
            report.line("  reload       PENDING (the reload command failed; retrying)");
        }
        if (s.failures > 0) {
            report.line("  errors       " + std::to_string(s.failures) +
                        " in a row, backing off; last: " + s.lastError);
        }
        slots.push_back(std::move(j));
    }
    report.emit({{"account", state->accountUrl}, {"server", state->server}, {"slots", slots}});
    return 0;
}

}  // namespace

int runCommand(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    if (argv.empty()) {
        err << kUsage;
        return 2;
    }
    if (argv[0] == "-h" || argv[0] == "--help" || argv[0] == "help") {
        out << kUsage;
        return 0;
    }
    if (argv[0] == "--version") {
        out << "ndc (Legate) " << LEGATE_VERSION << "\n";
        return 0;
    }
    try {
        const Args args = parse(argv);
        if (args.flag("help")) {
            out << kUsage;
            return 0;
        }
        if (args.command == "register") {
            return cmdRegister(args, out, err);
        }
        if (args.command == "delegations") {
            return cmdDelegations(args, out, err);
        }
        if (args.command == "order") {
            return cmdOrder(args, out, err);
        }
        if (args.command == "status") {
            return cmdStatus(args, out, err);
        }
        if (args.command == "run") {
            return runDaemon(required(args, "config"), err);
        }
    } catch (const UsageError& e) {
        err << "ndc: " << e.message << "\n(see `ndc --help`)\n";
        return 2;
    }
    return 2;
}

}  // namespace legate::ndc
