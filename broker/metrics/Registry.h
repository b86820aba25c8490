#pragma once
/// Prometheus metrics of one process, exposed in the text format (version 0.0.4) that
/// Prometheus, VictoriaMetrics and Grafana Agent scrape.
///
///   metrics::Registry registry;
///   auto& requests = registry.counter("legate_acme_requests_total",
///                                     "ACME requests answered", {"tenant", "route", "status"});
///   requests.labels({"example", "/acme/{tenant}/new-order", "201"}).add();
///   registry.exposition();   // "# HELP legate_acme_requests_total ...\n..."
///
/// Written by hand rather than with prometheus-cpp: that library is not packaged for
/// Debian 12, and what Legate needs (counters, gauges, fixed-bucket histograms, callbacks
/// that fill gauges at scrape time) is the 200 lines below.
///
/// Label cardinality is the caller's responsibility: every label value must come from a
/// bounded set (configured tenants, route patterns, status codes, problem types), never
/// from request data.  Families and their children live as long as the registry, and
/// references to them stay valid, so the hot path keeps a reference and only does an
/// atomic add.  Thread-safe throughout.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace legate::metrics {

using LabelValues = std::vector<std::string>;

/// A monotonically increasing count.
class Counter {
public:
    void add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> value_{0};
};

/// A value that goes up and down (or a timestamp).
class Gauge {
public:
    void set(double v) { value_.store(v, std::memory_order_relaxed); }
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

/// Observations counted into fixed buckets (upper bounds, ascending), with their sum.
class Histogram {
public:
    explicit Histogram(const std::vector<double>& bounds);
    void observe(double v);

    const std::vector<double>& bounds() const { return bounds_; }
    /// Per bucket (not cumulative), the last one being +Inf.
    std::vector<uint64_t> bucketCounts() const;
    uint64_t count() const { return count_.load(std::memory_order_relaxed); }
    double sum() const { return sum_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
    std::atomic<uint64_t> count_{0};
    std::atomic<double> sum_{0};
};

/// One metric name with its label names; children by label values.
template <class Metric>
class Family {
public:
    Family(std::string name, std::string help, std::vector<std::string> labelNames,
           std::function<std::unique_ptr<Metric>()> make)
        : name_(std::move(name)),
          help_(std::move(help)),
          labelNames_(std::move(labelNames)),
          make_(std::move(make)) {}

    /// The child for `values` (one per label name), made on first use.  A wrong number of
    /// values is a programming error: std::invalid_argument.
    Metric& labels(const LabelValues& values);
    /// The child without labels (a family declared with none).
    Metric& get() { return labels({}); }

    const std::string& name() const { return name_; }
    const std::string& help() const { return help_; }
    const std::vector<std::string>& labelNames() const { return labelNames_; }
    /// Calls `f(values, metric)` for each child, in label order.
    void forEach(const std::function<void(const LabelValues&, const Metric&)>& f) const;

private:
    std::string name_;
    std::string help_;
    std::vector<std::string> labelNames_;
    std::function<std::unique_ptr<Metric>()> make_;
    mutable std::shared_mutex mutex_;
    std::map<LabelValues, std::unique_ptr<Metric>> children_;  // guarded by mutex_
};

/// One sample a collector reports at scrape time.
struct Sample {
    LabelValues labels;
    double value = 0;
};

class Registry {
public:
    /// The family `name`, made on first call; later calls with the same name return it
    /// (the help and label names of the first call stand).
    Family<Counter>& counter(const std::string& name, const std::string& help,
                             std::vector<std::string> labelNames = {});
    Family<Gauge>& gauge(const std::string& name, const std::string& help,
                         std::vector<std::string> labelNames = {});
    Family<Histogram>& histogram(const std::string& name, const std::string& help,
                                 std::vector<std::string> labelNames, std::vector<double> bounds);

    /// A gauge family whose samples `collect` computes at each scrape (state that lives
    /// elsewhere, e.g. in Redis).  A collector that throws is skipped and counted in
    /// `legate_metrics_collector_errors_total`.
    void collector(const std::string& name, const std::string& help,
                   std::vector<std::string> labelNames,
                   std::function<std::vector<Sample>()> collect);
    /// The same for a count kept elsewhere (a counter in Redis, another object's
    /// atomic): exposed with `# TYPE ... counter`, so rate() and increase() apply.
    void counterCollector(const std::string& name, const std::string& help,
                          std::vector<std::string> labelNames,
                          std::function<std::vector<Sample>()> collect);

    /// Every family in the text exposition format, families in name order.
    std::string exposition() const;

    /// Latency buckets in seconds, 1 ms to 10 s.
    static std::vector<double> latencyBuckets();

private:
    struct Collector {
        std::string help;
        std::vector<std::string> labelNames;
        std::function<std::vector<Sample>()> collect;
        const char* type = "gauge";
    };

    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<Family<Counter>>> counters_;
    std::map<std::string, std::unique_ptr<Family<Gauge>>> gauges_;
    std::map<std::string, std::unique_ptr<Family<Histogram>>> histograms_;
    std::map<std::string, Collector> collectors_;
    mutable Counter collectorErrors_;
};

/// A label value or HELP text escaped for the exposition format (backslash, quote in
/// label values, newline).
std::string escapeLabelValue(std::string_view value);
/// A number as the exposition format writes it (+Inf, -Inf, NaN, shortest round trip).
std::string formatValue(double value);

}  // namespace legate::metrics
