// The metrics registry and its Prometheus text exposition (format 0.0.4).

#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "broker/metrics/Registry.h"

namespace legate::metrics {
namespace {

bool contains(const std::string& text, const std::string& line) {
    return text.find(line + "\n") != std::string::npos;
}

TEST(RegistryTest, CountersAreExposedWithHelpTypeAndLabels) {
    Registry registry;
    auto& requests = registry.counter("legate_requests_total", "Requests", {"tenant", "status"});
    requests.labels({"example", "200"}).add();
    requests.labels({"example", "200"}).add(2);
    requests.labels({"other", "404"}).add();
    const auto text = registry.exposition();
    EXPECT_TRUE(contains(text, "# HELP legate_requests_total Requests")) << text;
    EXPECT_TRUE(contains(text, "# TYPE legate_requests_total counter")) << text;
    EXPECT_TRUE(contains(text, R"(legate_requests_total{tenant="example",status="200"} 3)"))
        << text;
    EXPECT_TRUE(contains(text, R"(legate_requests_total{tenant="other",status="404"} 1)")) << text;
}

TEST(RegistryTest, TheSameNameIsTheSameFamily) {
    Registry registry;
    auto& a = registry.counter("c_total", "first", {"x"});
    auto& b = registry.counter("c_total", "second", {"x"});
    EXPECT_EQ(&a, &b);
    EXPECT_EQ(&a.labels({"1"}), &b.labels({"1"}));
    EXPECT_THROW(a.labels({"1", "2"}), std::invalid_argument);
}

TEST(RegistryTest, HistogramBucketsAreCumulativeWithSumAndCount) {
    Registry registry;
    auto& h = registry.histogram("d_seconds", "Durations", {"route"}, {0.125, 1});
    auto& r = h.labels({"/x"});
    r.observe(0.0625);
    r.observe(0.125);  // on the bound: counted in le="0.125"
    r.observe(0.5);
    r.observe(7);
    const auto text = registry.exposition();
    EXPECT_TRUE(contains(text, "# TYPE d_seconds histogram")) << text;
    EXPECT_TRUE(contains(text, R"(d_seconds_bucket{route="/x",le="0.125"} 2)")) << text;
    EXPECT_TRUE(contains(text, R"(d_seconds_bucket{route="/x",le="1"} 3)")) << text;
    EXPECT_TRUE(contains(text, R"(d_seconds_bucket{route="/x",le="+Inf"} 4)")) << text;
    EXPECT_TRUE(contains(text, R"(d_seconds_sum{route="/x"} 7.6875)")) << text;
    EXPECT_TRUE(contains(text, R"(d_seconds_count{route="/x"} 4)")) << text;
}

TEST(RegistryTest, GaugesAndCollectorsReportAtScrapeTime) {
    Registry registry;
    registry.gauge("g", "A gauge").get().set(-2.5);
    int scrapes = 0;
    registry.collector("legate_expiry_timestamp_seconds", "Not-after", {"delegation"}, [&] {
        ++scrapes;
        return std::vector<Sample>{{{"d1"}, 1700000123}, {{"d2"}, 12}};
    });
    registry.collector("broken", "Throws", {},
                       []() -> std::vector<Sample> { throw std::runtime_error("redis is down"); });
    const auto text = registry.exposition();
    EXPECT_EQ(scrapes, 1);
    EXPECT_TRUE(contains(text, "g -2.5")) << text;
    EXPECT_TRUE(contains(text, R"(legate_expiry_timestamp_seconds{delegation="d1"} 1700000123)"))
        << text;
    EXPECT_TRUE(contains(text, R"(legate_expiry_timestamp_seconds{delegation="d2"} 12)")) << text;
    EXPECT_EQ(text.find("# TYPE broken"), std::string::npos) << "a failed collector is left out";
    EXPECT_TRUE(contains(text, "legate_metrics_collector_errors_total 1")) << text;
}

TEST(RegistryTest, CounterCollectorsAreTypedCounter) {
    Registry registry;
    registry.counterCollector("legate_jobs_total", "Jobs kept elsewhere", {"kind"}, [] {
        return std::vector<Sample>{{{"renew"}, 3}};
    });
    registry.collector("legate_due", "A gauge kept elsewhere", {}, [] {
        return std::vector<Sample>{{{}, 1}};
    });
    const auto text = registry.exposition();
    EXPECT_TRUE(contains(text, "# TYPE legate_jobs_total counter")) << text;
    EXPECT_TRUE(contains(text, R"(legate_jobs_total{kind="renew"} 3)")) << text;
    EXPECT_TRUE(contains(text, "# TYPE legate_due gauge")) << text;
}

TEST(RegistryTest, LabelValuesAndValuesAreEscapedAndFormatted) {
    EXPECT_EQ(escapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    EXPECT_EQ(formatValue(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(formatValue(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(formatValue(std::nan("")), "NaN");
    EXPECT_EQ(formatValue(0.001), "0.001");
    Registry registry;
    registry.counter("q_total", "Help with \\ and\nnewline", {"v"}).labels({"say \"hi\""}).add();
    const auto text = registry.exposition();
    EXPECT_TRUE(contains(text, "# HELP q_total Help with \\\\ and\\nnewline")) << text;
    EXPECT_TRUE(contains(text, R"(q_total{v="say \"hi\""} 1)")) << text;
}

TEST(RegistryTest, ConcurrentUpdatesAreAllCounted) {
    Registry registry;
    auto& family = registry.counter("n_total", "n", {"k"});
    auto& h = registry.histogram("h", "h", {}, Registry::latencyBuckets());
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10'000; ++i) {
                family.labels({std::to_string(i % 3)}).add();
                h.get().observe(0.002 * t);
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(
        family.labels({"0"}).value() + family.labels({"1"}).value() + family.labels({"2"}).value(),
        40'000u);
    EXPECT_EQ(h.get().count(), 40'000u);
}

}  // namespace
}  // namespace legate::metrics
