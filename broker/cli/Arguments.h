#pragma once
/// Command-line arguments of Legate's programs (`ido admin`, `ido template`, `ndc`),
/// parsed one way with one set of error messages:
///
///   cli::ArgSpec spec{.valueOptions = {"--url", "--names"}, .flags = {"--json", "--help"},
///                     .aliases = {{"-h", "--help"}}};
///   auto args = cli::parseArguments({"ndc", "list", "--url=http://x", "--json"}, spec);
///   if (!args) { std::cerr << args.problem().detail; return 2; }
///   args->words;  args->get("--url");  args->flag("--json");  args->all("--names");
///
/// Rules: `--opt value` and `--opt=value` are the same; an option may repeat (all()
/// keeps every value, get() the last); a flag takes no value; "--" ends the options
/// (what follows are words).  Every refusal is a `malformed` problem whose detail names
/// the argument: "unknown option --bogus", "--url needs a value", "--json takes no
/// value", "unexpected argument 'x'" (when the spec takes no words), "--name is
/// required".

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/core/Result.h"

namespace legate::cli {

/// What a command accepts.  Names are spelled as typed ("--url", "-h").
struct ArgSpec {
    std::set<std::string> valueOptions{};
    std::set<std::string> flags{};
    /// Other spellings: "-h" -> "--help".
    std::map<std::string, std::string> aliases{};
    /// Whether positional words are allowed.
    bool words = true;
};

/// The parsed command line.
struct Arguments {
    std::vector<std::string> words;
    std::map<std::string, std::vector<std::string>> values;  ///< in the order given
    std::set<std::string> flags;

    /// The last value of `name`.
    std::optional<std::string> get(const std::string& name) const;
    /// The value of `name`, or `fallback` when absent.
    std::string getOr(const std::string& name, const std::string& fallback) const;
    /// Every value of `name`, in order.
    std::vector<std::string> all(const std::string& name) const;
    bool has(const std::string& name) const { return values.count(name) != 0; }
    bool flag(const std::string& name) const { return flags.count(name) != 0; }
    /// The value of `name`; malformed "NAME is required" when absent or empty.
    Result<std::string> required(const std::string& name) const;
    /// Malformed "CONTEXT does not take NAME" for the first option or flag given that
    /// is not in `allowed` (options a command shares with the others go in `allowed`).
    Status onlyThese(const std::set<std::string>& allowed, const std::string& context) const;
};

Result<Arguments> parseArguments(const std::vector<std::string>& args, const ArgSpec& spec);

/// A whole number of seconds in [min, max]; malformed "NAME needs a whole number of
/// seconds, not "TEXT"" otherwise.
Result<int64_t> parseSeconds(const std::string& name, const std::string& text, int64_t min = 0,
                             int64_t max = INT64_MAX);

/// Comma-separated items, blanks around them trimmed, empty ones dropped.
std::vector<std::string> splitList(const std::string& text);

}  // namespace legate::cli
