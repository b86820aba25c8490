/// The typed relay progress record: parse and serialise of the `relay:<order>` hash,
/// without Redis.

#include <algorithm>

#include <gtest/gtest.h>

#include "idO/relay/RelayProgress.h"

namespace legate::ido::relay {
namespace {

TEST(RelayProgressTest, EveryEnumNameRoundTrips) {
    for (auto k : {JobKind::finalize, JobKind::renew, JobKind::poll, JobKind::cancel,
                   JobKind::terminate, JobKind::delegationCreated}) {
        EXPECT_EQ(jobKindOf(nameOf(k)), k) << nameOf(k);
    }
    EXPECT_EQ(jobKindOf("delegation-created"), JobKind::delegationCreated);
    EXPECT_EQ(jobKindOf("reboot"), JobKind::unknown);
    for (auto m : {RelayMode::relay, RelayMode::starRelay, RelayMode::emulate}) {
        EXPECT_EQ(relayModeOf(nameOf(m)), m);
    }
    EXPECT_EQ(nameOf(RelayMode::starRelay), "star-relay");
    for (auto s : {IssueStep::fresh, IssueStep::ordered, IssueStep::authorized,
                   IssueStep::finalizing, IssueStep::finalized, IssueStep::downloaded}) {
        EXPECT_EQ(issueStepOf(nameOf(s)), s);
    }
    EXPECT_EQ(nameOf(IssueStep::fresh), "new");
}

TEST(RelayProgressTest, AnEmptyRecordIsAFreshOrder) {
    auto p = RelayProgress::parse({});
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->mode, RelayMode::unchosen);
    EXPECT_FALSE(p->done);
    EXPECT_EQ(p->attempts, 0);
    EXPECT_FALSE(p->anchor);
    EXPECT_FALSE(p->obtained);
    EXPECT_EQ(p->issue.step, IssueStep::none);
    EXPECT_TRUE(p->fields().empty());
}

TEST(RelayProgressTest, ARecordWrittenByEarlierVersionsReadsUnchanged) {
    const FieldMap record = {{"mode", "emulate"},       {"anchor", "1800000000"},
                             {"obtained", "3"},         {"attempts", "2"},
                             {"last_error", "CA down"}, {"i_index", "4"},
                             {"i_step", "finalized"},   {"i_order2", "https://ca.example/order/9"}};
    auto p = RelayProgress::parse(record);
    ASSERT_TRUE(p.ok()) << p.problem().detail;
    EXPECT_EQ(p->mode, RelayMode::emulate);
    EXPECT_EQ(*p->anchor, TimePoint{std::chrono::seconds(1'800'000'000)});
    EXPECT_EQ(*p->obtained, 3u);
    EXPECT_EQ(p->attempts, 2);
    EXPECT_EQ(p->lastError, "CA down");
    EXPECT_EQ(p->issue.step, IssueStep::finalized);
    EXPECT_EQ(p->issue.index, 4u);
    EXPECT_EQ(p->issue.order2Url, "https://ca.example/order/9");
    EXPECT_EQ(p->issue.polls, 0);
    EXPECT_EQ(p->fields(), record) << "written back field for field";
}

TEST(RelayProgressTest, SerialiseThenParseIsTheIdentity) {
    RelayProgress p;
    p.mode = RelayMode::relay;
    p.done = true;
    p.attempts = 1;
    p.obtained = 0;
    p.starOrder2 = "https://ca.example/order/1";
    p.issue.step = IssueStep::downloaded;
    p.issue.index = 0;
    p.issue.pem = "-----BEGIN CERTIFICATE-----\n...";
    p.issue.notBefore = TimePoint{std::chrono::seconds(100)};
    p.issue.notAfter = TimePoint{std::chrono::seconds(200)};
    p.issue.certificateUrl = "https://ca.example/cert/1";
    p.issue.polls = 7;
    p.issue.startedAt = TimePoint{std::chrono::milliseconds(1'800'000'000'123)};
    auto back = RelayProgress::parse(p.fields());
    ASSERT_TRUE(back.ok()) << back.problem().detail;
    EXPECT_EQ(back->fields(), p.fields());
    EXPECT_EQ(back->issue.polls, 7);
    EXPECT_EQ(back->issue.startedAt, p.issue.startedAt) << "to the millisecond";
    EXPECT_EQ(back->obtained, std::optional<std::size_t>(0));
    EXPECT_TRUE(back->done);
}

TEST(RelayProgressTest, AbsentFieldsAreDeletedSoASaveReplacesTheRecord) {
    RelayProgress p;
    p.mode = RelayMode::emulate;
    p.obtained = 2;
    const auto absent = p.absentFields();
    for (const auto& name :
         {"i_step", "i_order2", "i_pem", "i_polls", "i_started_ms", "done", "attempts"}) {
        EXPECT_NE(std::find(absent.begin(), absent.end(), name), absent.end()) << name;
    }
    for (const auto& [name, value] : p.fields()) {
        EXPECT_EQ(std::find(absent.begin(), absent.end(), name), absent.end()) << name;
    }
}

TEST(RelayProgressTest, NoInFlightFieldsWithoutAStep) {
    RelayProgress p;
    p.issue.index = 5;
    p.issue.order2Url = "https://ca.example/order/1";
    const auto f = p.fields();
    EXPECT_EQ(f.count("i_index"), 0u);
    EXPECT_EQ(f.count("i_order2"), 0u);
}

TEST(RelayProgressTest, UnusableValuesAreProblemsNamingTheField) {
    const std::vector<std::pair<FieldMap, std::string>> bad = {
        {{{"mode", "teleport"}}, "mode"},
        {{{"i_step", "halfway"}}, "i_step"},
        {{{"attempts", "many"}}, "attempts"},
        {{{"attempts", "-1"}}, "attempts"},
        {{{"obtained", "2x"}}, "obtained"},
        {{{"anchor", "yesterday"}}, "anchor"},
        {{{"i_index", "99999999999999999999999"}}, "i_index"},
    };
    for (const auto& [record, field] : bad) {
        auto p = RelayProgress::parse(record);
        ASSERT_FALSE(p.ok()) << field;
        EXPECT_NE(p.problem().detail.find(field), std::string::npos) << p.problem().detail;
    }
}

}  // namespace
}  // namespace legate::ido::relay
