#include "ndc/Config.h"

#include <set>

#include "broker/core/ConfigReader.h"
#include "broker/wire/StrictJson.h"
#include "ndc/AtomicFile.h"
#include "ndc/KeyStore.h"

namespace legate::ndc {

using acme::ErrorType;
using acme::Problem;

namespace {

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& p) {
    std::filesystem::path path(p);
    return path.is_absolute() || base.empty() ? path : base / path;
}

}  // namespace

Result<Config> parseConfig(const nlohmann::json& doc, const std::filesystem::path& baseDir) {
    ConfigReader reader(doc);
    auto root = reader.root();
    Config config;
    if (!root.isObject()) {
        return Problem::make(ErrorType::malformed, "/: expected an object");
    }
    config.stateDir = resolve(baseDir, root.string("state"));
    if (root.has("ca-bundle")) {
        config.caBundle = resolve(baseDir, root.string("ca-bundle"));
    }
    config.trust = resolve(baseDir, root.string("trust"));
    const std::string defaultReload = root.string("reload", "");
    if (auto log = root.optionalObject("log")) {
        config.logLevel = log->string("level", "information");
        if (config.logLevel != "trace" && config.logLevel != "debug" &&
            config.logLevel != "information" && config.logLevel != "warning" &&
            config.logLevel != "error") {
            log->fail("level", "expected one of trace, debug, information, warning, error");
        }
        const auto file = log->string("file", "stderr");
        config.logFile =
            file == "stderr" || file == "stdout" ? file : resolve(baseDir, file).string();
    }
    if (auto t = root.optionalObject("timing")) {
        auto& timing = config.timing;
        timing.minInterval = Seconds{t->integer("min-interval", 1, 86400, 5)};
        timing.maxInterval = Seconds{t->integer("max-interval", 1, 7 * 86400, 3600)};
        timing.initialBackoff = Seconds{t->integer("initial-backoff", 1, 86400, 5)};
        timing.maxBackoff = Seconds{t->integer("max-backoff", 1, 7 * 86400, 1800)};
        timing.maxOrderPoll = Seconds{t->integer("max-order-poll", 1, 3600, 60)};
        timing.jitter = static_cast<double>(t->integer("jitter-percent", 0, 100, 10)) / 100.0;
        timing.maxJitter = Seconds{t->integer("max-jitter", 0, 86400, 300)};
        if (timing.maxInterval < timing.minInterval) {
            t->fail("max-interval", "must not be less than min-interval");
        }
        if (timing.maxBackoff < timing.initialBackoff) {
            t->fail("max-backoff", "must not be less than initial-backoff");
        }
    }
    std::set<std::string> names;
    std::set<std::filesystem::path> outs;
    for (auto& d : root.array("delegations")) {
        SlotConfig slot;
        slot.name = d.string("name");
        if (!slot.name.empty() && !validSlotName(slot.name)) {
            d.fail("name", "expected 1-64 characters of [A-Za-z0-9._-], not starting with . or -");
        }
        if (!slot.name.empty() && !names.insert(slot.name).second) {
            d.fail("name", "duplicate name '" + slot.name + "'");
        }
        slot.delegationUrl = d.string("delegation");
        if (!slot.delegationUrl.empty() && slot.delegationUrl.rfind("https://", 0) != 0 &&
            slot.delegationUrl.rfind("http://", 0) != 0) {
            d.fail("delegation", "expected the delegation's URL");
        }
        const auto out = d.string("out");
        if (!out.empty()) {
            slot.out = resolve(baseDir, out);
            if (!outs.insert(slot.out).second) {
                d.fail("out", "two delegations share the output directory " + out);
            }
        }
        if (d.has("star") && d.json()["star"].is_boolean()) {
            slot.star = d.boolean("star");
        } else if (auto star = d.optionalObject("star")) {
            slot.lifetime = Seconds{star->integer("lifetime", 1, 365 * 86400, 86400)};
            slot.duration = Seconds{star->integer("duration", 1, 10 * 365 * 86400, 7 * 86400)};
        }
        slot.reorder = d.boolean("reorder", false);
        slot.reload = d.string("reload", defaultReload);
        if (d.has("key-type")) {
            const auto kt = d.string("key-type");
            slot.keyType = crypto::parseKeyType(kt);
            if (!slot.keyType && !kt.empty()) {
                d.fail("key-type", "unknown key type '" + kt + "' (P-256, P-384, RSA-2048...)");
            }
        }
        if (auto values = d.optionalObject("subject")) {
            for (const auto& [member, value] : values->json().items()) {
                slot.subject[member] = values->string(member);
            }
        }
        slot.dnsNames = d.strings("dns-names", std::vector<std::string>{});
        config.slots.push_back(std::move(slot));
    }
    auto problems = reader.finish();
    if (!problems.empty()) {
        std::string detail;
        for (const auto& p : problems) {
            detail += (detail.empty() ? "" : "\n") + p;
        }
        return Problem::make(ErrorType::malformed, detail);
    }
    return config;
}

Result<Config> loadConfig(const std::filesystem::path& file) {
    auto text = readTextFile(file);
    LEGATE_TRY(text);
    auto doc = wire::parseStrictJson(*text);
    if (!doc.ok()) {
        return Problem::make(ErrorType::malformed,
                             file.string() + ": not valid JSON: " + doc.problem().detail);
    }
    auto config = parseConfig(*doc, file.parent_path());
    if (!config.ok()) {
        return Problem::make(ErrorType::malformed, file.string() + ":\n" + config.problem().detail);
    }
    return config;
}

}  // namespace legate::ndc
