#include "idO/cli/TemplateCommand.h"

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "broker/cli/Arguments.h"
#include "broker/cli/TextFile.h"
#include "broker/crypto/Csr.h"
#include "profiles/CsrMatcher.h"
#include "profiles/JsonText.h"
#include "profiles/ProfileCatalog.h"
#include "profiles/TemplateParser.h"

namespace legate::ido {
namespace {

using profiles::CsrMatcher;
using profiles::CsrTemplate;
using profiles::MatchContext;
using profiles::ProfileCatalog;
using profiles::TemplateParser;

constexpr int kOk = 0;
constexpr int kViolation = 1;
constexpr int kUsageError = 2;

/// Name used to instantiate a profile that is linted without --names.
constexpr const char* kLintSampleName = "name.example";

constexpr const char* kUsage = R"(usage: ido template SUBCOMMAND ...

Operator tools for RFC 9115 CSR templates (see docs/csr-templates.md).

  lint FILE | --profile NAME [--names a,b] [--allowed-suffix S]...
      Validate a template (or a bundled profile, instantiated with --names).
      Exit 0 valid, 1 invalid, 2 usage error.
  check (--template FILE | --profile NAME) --csr FILE [--names a,b]
        [--allowed-suffix S]...
      Check a CSR (PEM or DER) against a template and print a verdict per field.
      --names: the order's identifiers (the CSR's names must equal them, unless
      "*"/"**" is among them); they also instantiate a profile.  --allowed-suffix: local policy for names the
      NDC chooses for "*"/"**" entries (none allowed when absent).
      Exit 0 conforms, 1 violation, 2 usage or I/O error.
  profiles
      List the bundled profiles.
  instantiate NAME --names a,b [--allowed-suffix S]...
      Print the template a profile gives for these names.

Common option: --profiles-dir DIR (default: $LEGATE_PROFILES_DIR, the install, or
the source tree).
)";

struct Options {
    std::vector<std::string> positional;
    std::optional<std::string> templateFile;
    std::optional<std::string> profile;
    std::optional<std::string> csrFile;
    std::optional<std::string> profilesDir;
    std::optional<std::vector<std::string>> names;
    std::vector<std::string> allowedSuffixes;
};

const cli::ArgSpec kArgSpec{.valueOptions = {"--template", "--profile", "--csr", "--profiles-dir",
                                             "--names", "--allowed-suffix"}};

/// Parses options after the subcommand; nullopt (after a message) on a usage error.
std::optional<Options> parseOptions(int argc, char** argv, int first) {
    auto args = cli::parseArguments(std::vector<std::string>(argv + first, argv + argc), kArgSpec);
    if (!args) {
        std::cerr << "ido template: " << args.problem().detail << "\n";
        return std::nullopt;
    }
    Options o;
    o.positional = args->words;
    o.templateFile = args->get("--template");
    o.profile = args->get("--profile");
    o.csrFile = args->get("--csr");
    o.profilesDir = args->get("--profiles-dir");
    if (args->has("--names")) {
        o.names.emplace();
        for (const auto& value : args->all("--names")) {
            for (auto& n : cli::splitList(value)) {
                o.names->push_back(std::move(n));
            }
        }
    }
    for (const auto& value : args->all("--allowed-suffix")) {
        for (auto& suffix : cli::splitList(value)) {
            o.allowedSuffixes.push_back(std::move(suffix));
        }
    }
    return o;
}

std::optional<std::string> readFile(const std::string& path) {
    auto text = cli::readTextFile(path);
    if (!text) {
        std::cerr << "ido template: " << text.problem().detail << "\n";
        return std::nullopt;
    }
    return std::move(*text);
}

ProfileCatalog catalog(const Options& o) {
    return o.profilesDir ? ProfileCatalog::locate(std::filesystem::path(*o.profilesDir))
                         : ProfileCatalog::locate();
}

void printProblem(const acme::Problem& problem) {
    if (problem.subproblems.empty()) {
        std::cout << "FAIL " << problem.detail << "\n";
        return;
    }
    for (const auto& sub : problem.subproblems) {
        std::cout << "FAIL " << sub.detail << "\n";
    }
}

/// What lint and check work on: a concrete template and the local policy that goes
/// with it.  `exitCode` is set when loading already failed.
struct Loaded {
    std::optional<CsrTemplate> tmpl;
    std::vector<std::string> allowedSuffixes;
    int exitCode = kOk;
};

/// Loads --profile NAME, or a FILE that is a raw template or a profile document.
Loaded loadTemplate(const Options& o, const std::optional<std::string>& file, bool forLint) {
    Loaded out;
    out.allowedSuffixes = o.allowedSuffixes;
    std::vector<std::string> names = o.names.value_or(std::vector<std::string>{});
    nlohmann::json doc;
    if (o.profile) {
        auto loaded = catalog(o).load(*o.profile);
        if (!loaded) {
            std::cerr << "ido template: " << loaded.problem().detail << "\n";
            out.exitCode = kUsageError;
            return out;
        }
        doc = std::move(*loaded);
    } else {
        auto text = readFile(*file);
        if (!text) {
            out.exitCode = kUsageError;
            return out;
        }
        auto parsed = profiles::parseJsonStrict(*text);
        if (!parsed) {
            std::cout << "FAIL " << parsed.problem().detail << "\n";
            out.exitCode = kViolation;
            return out;
        }
        doc = std::move(*parsed);
    }
    if (ProfileCatalog::isProfile(doc)) {
        if (names.empty()) {
            if (!forLint) {
                std::cerr << "ido template: this template is a profile: give --names\n";
                out.exitCode = kUsageError;
                return out;
            }
            names = {kLintSampleName};
        }
        std::cout << "profile: instantiated with names ";
        for (size_t i = 0; i < names.size(); ++i) {
            std::cout << (i ? "," : "") << names[i];
        }
        std::cout << "\n";
        auto instance = ProfileCatalog::instantiateDocument(doc, names, o.allowedSuffixes);
        if (!instance) {
            printProblem(instance.problem());
            out.exitCode = kViolation;
            return out;
        }
        out.tmpl = std::move(instance->csrTemplate);
        out.allowedSuffixes = std::move(instance->allowedSuffixes);
        return out;
    }
    const auto issues = TemplateParser::validate(doc);
    if (!issues.empty()) {
        for (const auto& issue : issues) {
            std::cout << "FAIL " << issue.toString() << "\n";
        }
        out.exitCode = kViolation;
        return out;
    }
    auto tmpl = TemplateParser::parse(doc);
    if (!tmpl) {
        printProblem(tmpl.problem());
        out.exitCode = kViolation;
        return out;
    }
    out.tmpl = std::move(*tmpl);
    return out;
}

void summarise(const CsrTemplate& t) {
    std::cout << "PASS keyTypes:";
    for (const auto& k : t.keyTypes) {
        std::cout << " [" << k.describe() << "]";
    }
    std::cout << "\n";
    if (t.subject) {
        for (const auto& f : *t.subject) {
            std::cout << "PASS subject." << f.member << ": " << f.value.toString() << "\n";
        }
    } else {
        std::cout << "PASS subject: (absent: the CSR subject must be empty)\n";
    }
    auto list = [](const char* type, const auto& values) {
        if (!values) {
            return;
        }
        std::cout << "PASS extensions.subjectAltName." << type << ":";
        for (const auto& v : *values) {
            std::cout << " " << v.toString();
        }
        std::cout << "\n";
    };
    list("DNS", t.subjectAltName.dns);
    list("Email", t.subjectAltName.email);
    list("URI", t.subjectAltName.uri);
    auto strings = [](const char* field, const auto& values) {
        std::cout << "PASS extensions." << field << ":";
        if (!values) {
            std::cout << " (absent: forbidden in the CSR)";
        } else {
            for (const auto& v : *values) {
                std::cout << " " << v;
            }
        }
        std::cout << "\n";
    };
    strings("keyUsage", t.keyUsage);
    strings("extendedKeyUsage", t.extendedKeyUsage);
}

int lint(const Options& o) {
    if (o.profile ? !o.positional.empty() : o.positional.size() != 1) {
        std::cerr << "usage: ido template lint FILE | --profile NAME [--names a,b]\n";
        return kUsageError;
    }
    const std::optional<std::string> file =
        o.profile ? std::nullopt : std::optional<std::string>(o.positional[0]);
    Loaded loaded = loadTemplate(o, file, true);
    if (!loaded.tmpl) {
        std::cout << "template is INVALID\n";
        return loaded.exitCode;
    }
    summarise(*loaded.tmpl);
    std::cout << "template is valid\n";
    return kOk;
}

int check(const Options& o) {
    if ((!o.templateFile && !o.profile) || (o.templateFile && o.profile) || !o.csrFile ||
        !o.positional.empty()) {
        std::cerr << "usage: ido template check (--template FILE | --profile NAME) --csr FILE "
                     "[--names a,b] [--allowed-suffix S]\n";
        return kUsageError;
    }
    Loaded loaded = loadTemplate(o, o.templateFile, false);
    if (!loaded.tmpl) {
        std::cout << "template is INVALID\n";
        return loaded.exitCode;
    }
    auto text = readFile(*o.csrFile);
    if (!text) {
        return kUsageError;
    }
    MatchContext context;
    context.allowedSuffixes = loaded.allowedSuffixes;
    if (o.names) {
        // Concrete names are the order's identifiers; with "*"/"**" among them the NDC's
        // choices are unknown here, so the cross-check is left to the slot rules.
        std::vector<acme::Identifier> ids;
        bool chosen = false;
        for (const auto& n : *o.names) {
            chosen = chosen || n == "*" || n == "**";
            ids.push_back({"dns", n});
        }
        if (!chosen) {
            context.orderIdentifiers = std::move(ids);
        }
    }
    profiles::MatchReport report;
    if (text->find("-----BEGIN") != std::string::npos) {
        auto csr = crypto::Csr::fromPem(*text);
        if (!csr) {
            report.badCsr("csr", "csr: " + csr.problem().detail);
        } else {
            report = CsrMatcher::match(*loaded.tmpl, *csr, context);
        }
    } else {
        report =
            CsrMatcher::matchDer(*loaded.tmpl, crypto::Bytes(text->begin(), text->end()), context);
    }
    for (const auto& f : report.findings()) {
        std::cout << (f.failed() ? "FAIL " : "PASS ") << f.detail << "\n";
    }
    if (auto problem = report.toProblem()) {
        std::cout << "CSR does NOT conform; the IdO answers:\n"
                  << problem->toJson().dump(2) << "\n";
        return kViolation;
    }
    std::cout << "CSR conforms to the template\n";
    return kOk;
}

int listProfiles(const Options& o) {
    const ProfileCatalog c = catalog(o);
    const auto names = c.names();
    if (names.empty()) {
        std::cerr << "ido template: no profiles in " << c.directory() << "\n";
        return kUsageError;
    }
    for (const auto& n : names) {
        std::cout << n << "\n";
    }
    return kOk;
}

int instantiate(const Options& o) {
    if (o.positional.size() != 1 || !o.names) {
        std::cerr << "usage: ido template instantiate NAME --names a,b [--allowed-suffix S]\n";
        return kUsageError;
    }
    auto instance = catalog(o).instantiate(o.positional[0], *o.names, o.allowedSuffixes);
    if (!instance) {
        printProblem(instance.problem());
        return kViolation;
    }
    std::cout << instance->csrTemplate.toJson().dump(2) << "\n";
    return kOk;
}

}  // namespace

int runTemplateCommand(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << kUsage;
        return kUsageError;
    }
    const std::string sub = argv[1];
    if (sub == "-h" || sub == "--help") {
        std::cout << kUsage;
        return kOk;
    }
    auto options = parseOptions(argc, argv, 2);
    if (!options) {
        return kUsageError;
    }
    if (sub == "lint") {
        return lint(*options);
    }
    if (sub == "check") {
        return check(*options);
    }
    if (sub == "profiles") {
        return listProfiles(*options);
    }
    if (sub == "instantiate") {
        return instantiate(*options);
    }
    std::cerr << "ido template: unknown subcommand '" << sub << "'\n" << kUsage;
    return kUsageError;
}

}  // namespace legate::ido
