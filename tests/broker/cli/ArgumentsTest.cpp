#include <gtest/gtest.h>

#include "broker/cli/Arguments.h"

namespace legate::cli {
namespace {

const ArgSpec kSpec{.valueOptions = {"--url", "--names"},
                    .flags = {"--json", "--help"},
                    .aliases = {{"-h", "--help"}}};

std::string refusal(const std::vector<std::string>& args, const ArgSpec& spec = kSpec) {
    auto r = parseArguments(args, spec);
    EXPECT_FALSE(r.ok());
    if (r.ok()) {
        return "";
    }
    EXPECT_EQ(r.problem().type, acme::ErrorType::malformed);
    return r.problem().detail;
}

TEST(Arguments, BothValueFormsFlagsAliasesAndWords) {
    auto r = parseArguments(
        {"ndc", "--url=http://x", "list", "--names", "a,b", "--names=c", "--json", "-h"}, kSpec);
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ(r->words, (std::vector<std::string>{"ndc", "list"}));
    EXPECT_EQ(r->get("--url"), "http://x");
    EXPECT_EQ(r->all("--names"), (std::vector<std::string>{"a,b", "c"}));
    EXPECT_EQ(r->get("--names"), "c");
    EXPECT_TRUE(r->flag("--json"));
    EXPECT_TRUE(r->flag("--help"));
    EXPECT_FALSE(r->has("--missing"));
    EXPECT_EQ(r->getOr("--missing", "d"), "d");
}

TEST(Arguments, ValuesMayLookLikeOptionsAndDashDashEndsOptions) {
    auto r = parseArguments({"--url", "--json", "--", "--names", "-h"}, kSpec);
    ASSERT_TRUE(r.ok()) << r.problem().detail;
    EXPECT_EQ(r->get("--url"), "--json");
    EXPECT_FALSE(r->flag("--json"));
    EXPECT_EQ(r->words, (std::vector<std::string>{"--names", "-h"}));
    auto empty = parseArguments({"--url="}, kSpec);
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty->get("--url"), "");
}

TEST(Arguments, ClearRefusals) {
    EXPECT_EQ(refusal({"--bogus"}), "unknown option --bogus");
    EXPECT_EQ(refusal({"--bogus=1"}), "unknown option --bogus");
    EXPECT_EQ(refusal({"-x"}), "unknown option -x");
    EXPECT_EQ(refusal({"list", "--url"}), "--url needs a value");
    EXPECT_EQ(refusal({"--json=yes"}), "--json takes no value");
    ArgSpec noWords = kSpec;
    noWords.words = false;
    EXPECT_EQ(refusal({"--json", "stray"}, noWords), "unexpected argument 'stray'");
}

TEST(Arguments, RequiredAndOnlyThese) {
    auto r = parseArguments({"--url", "", "--json"}, kSpec);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->required("--url").problem().detail, "--url is required");
    EXPECT_EQ(r->required("--names").problem().detail, "--names is required");
    EXPECT_TRUE(r->onlyThese({"--url", "--json"}, "'ndc list'").ok());
    EXPECT_EQ(r->onlyThese({"--url"}, "'ndc list'").problem().detail,
              "'ndc list' does not take --json");
}

TEST(Arguments, Seconds) {
    EXPECT_EQ(*parseSeconds("--max-poll", "30"), 30);
    EXPECT_EQ(parseSeconds("--max-poll", "soon").problem().detail,
              "--max-poll needs a whole number of seconds, not \"soon\"");
    EXPECT_FALSE(parseSeconds("--t", "").ok());
    EXPECT_FALSE(parseSeconds("--t", "-1").ok());
    EXPECT_FALSE(parseSeconds("--t", "1.5").ok());
    EXPECT_FALSE(parseSeconds("--t", "0", 1).ok());
    EXPECT_FALSE(parseSeconds("--t", "99999999999999999999").ok());
}

TEST(Arguments, SplitList) {
    EXPECT_EQ(splitList(" a.example, b.example,,c "),
              (std::vector<std::string>{"a.example", "b.example", "c"}));
    EXPECT_TRUE(splitList("").empty());
}

}  // namespace
}  // namespace legate::cli
