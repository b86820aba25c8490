#include "broker/cli/Arguments.h"

#include <charconv>
#include <sstream>

namespace legate::cli {
namespace {

acme::Problem usage(std::string message) {
    return acme::Problem::make(acme::ErrorType::malformed, std::move(message));
}

}  // namespace

std::optional<std::string> Arguments::get(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) {
        return std::nullopt;
    }
    return it->second.back();
}

std::string Arguments::getOr(const std::string& name, const std::string& fallback) const {
    return get(name).value_or(fallback);
}

std::vector<std::string> Arguments::all(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? std::vector<std::string>{} : it->second;
}

Result<std::string> Arguments::required(const std::string& name) const {
    auto value = get(name);
    if (!value || value->empty()) {
        return usage(name + " is required");
    }
    return *value;
}

Status Arguments::onlyThese(const std::set<std::string>& allowed,
                            const std::string& context) const {
    for (const auto& entry : values) {
        if (allowed.count(entry.first) == 0) {
            return usage(context + " does not take " + entry.first);
        }
    }
    for (const auto& name : flags) {
        if (allowed.count(name) == 0) {
            return usage(context + " does not take " + name);
        }
    }
    return okStatus();
}

Result<Arguments> parseArguments(const std::vector<std::string>& args, const ArgSpec& spec) {
    Arguments out;
    bool optionsEnded = false;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        if (auto alias = spec.aliases.find(arg); !optionsEnded && alias != spec.aliases.end()) {
            arg = alias->second;
        }
        const bool looksLikeOption = arg.size() > 1 && arg[0] == '-';
        if (optionsEnded || !looksLikeOption) {
            if (!spec.words) {
                return usage("unexpected argument '" + arg + "'");
            }
            out.words.push_back(arg);
            continue;
        }
        if (arg == "--") {
            optionsEnded = true;
            continue;
        }
        std::optional<std::string> value;
        if (const auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
            value = arg.substr(eq + 1);
            arg.resize(eq);
        }
        if (spec.flags.count(arg) != 0) {
            if (value) {
                return usage(arg + " takes no value");
            }
            out.flags.insert(arg);
            continue;
        }
        if (spec.valueOptions.count(arg) == 0) {
            return usage("unknown option " + arg);
        }
        if (!value) {
            if (i + 1 >= args.size()) {
                return usage(arg + " needs a value");
            }
            value = args[++i];
        }
        out.values[arg].push_back(std::move(*value));
    }
    return out;
}

Result<int64_t> parseSeconds(const std::string& name, const std::string& text, int64_t min,
                             int64_t max) {
    int64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max) {
        return usage(name + " needs a whole number of seconds" +
                     (min > 0 ? " (at least " + std::to_string(min) + ")" : std::string()) +
                     ", not \"" + text + "\"");
    }
    return value;
}

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> items;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (!item.empty()) {
            items.push_back(item);
        }
    }
    return items;
}

}  // namespace legate::cli
