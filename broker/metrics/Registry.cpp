#include "broker/metrics/Registry.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace legate::metrics {

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<uint64_t>[bounds.size() + 1]) {
    for (size_t i = 0; i <= bounds_.size(); ++i) {
        buckets_[i].store(0, std::memory_order_relaxed);
    }
}

void Histogram::observe(double v) {
    size_t i = 0;
    while (i < bounds_.size() && v > bounds_[i]) {
        ++i;
    }
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::bucketCounts() const {
    std::vector<uint64_t> counts(bounds_.size() + 1);
    for (size_t i = 0; i < counts.size(); ++i) {
        counts[i] = buckets_[i].load(std::memory_order_relaxed);
    }
    return counts;
}

template <class Metric>
Metric& Family<Metric>::labels(const LabelValues& values) {
    if (values.size() != labelNames_.size()) {
        throw std::invalid_argument("metric " + name_ + " has " +
                                    std::to_string(labelNames_.size()) + " labels, not " +
                                    std::to_string(values.size()));
    }
    {
        std::shared_lock lock(mutex_);
        if (auto it = children_.find(values); it != children_.end()) {
            return *it->second;
        }
    }
    std::unique_lock lock(mutex_);
    auto& child = children_[values];
    if (!child) {
        child = make_();
    }
    return *child;
}

template <class Metric>
void Family<Metric>::forEach(
    const std::function<void(const LabelValues&, const Metric&)>& f) const {
    std::shared_lock lock(mutex_);
    for (const auto& [values, metric] : children_) {
        f(values, *metric);
    }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Family<Counter>& Registry::counter(const std::string& name, const std::string& help,
                                   std::vector<std::string> labelNames) {
    std::lock_guard lock(mutex_);
    auto& family = counters_[name];
    if (!family) {
        family = std::make_unique<Family<Counter>>(name, help, std::move(labelNames),
                                                   [] { return std::make_unique<Counter>(); });
    }
    return *family;
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help,
                               std::vector<std::string> labelNames) {
    std::lock_guard lock(mutex_);
    auto& family = gauges_[name];
    if (!family) {
        family = std::make_unique<Family<Gauge>>(name, help, std::move(labelNames),
                                                 [] { return std::make_unique<Gauge>(); });
    }
    return *family;
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
                                       std::vector<std::string> labelNames,
                                       std::vector<double> bounds) {
    std::lock_guard lock(mutex_);
    auto& family = histograms_[name];
    if (!family) {
        family = std::make_unique<Family<Histogram>>(
            name, help, std::move(labelNames),
            [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); });
    }
    return *family;
}

void Registry::collector(const std::string& name, const std::string& help,
                         std::vector<std::string> labelNames,
                         std::function<std::vector<Sample>()> collect) {
    std::lock_guard lock(mutex_);
    collectors_[name] = Collector{help, std::move(labelNames), std::move(collect), "gauge"};
}

void Registry::counterCollector(const std::string& name, const std::string& help,
                                std::vector<std::string> labelNames,
                                std::function<std::vector<Sample>()> collect) {
    std::lock_guard lock(mutex_);
    collectors_[name] = Collector{help, std::move(labelNames), std::move(collect), "counter"};
}

std::vector<double> Registry::latencyBuckets() {
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::string escapeLabelValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string formatValue(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    char buffer[64];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return ec == std::errc{} ? std::string(buffer, end) : std::to_string(value);
}

namespace {

/// `{a="x",b="y"}` (empty when there are no labels), with `extra` appended last.
std::string labelSet(const std::vector<std::string>& names, const LabelValues& values,
                     const std::string& extra = "") {
    std::string out;
    for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
        out += out.empty() ? "{" : ",";
        out += names[i] + "=\"" + escapeLabelValue(values[i]) + "\"";
    }
    if (!extra.empty()) {
        out += out.empty() ? "{" : ",";
        out += extra;
    }
    return out.empty() ? out : out + "}";
}

void header(std::string& out, const std::string& name, const std::string& help,
            std::string_view type) {
    std::string escapedHelp;
    for (const char c : help) {
        escapedHelp += c == '\n'   ? std::string("\\n")
                       : c == '\\' ? std::string("\\\\")
                                   : std::string(1, c);
    }
    out += "# HELP " + name + " " + escapedHelp + "\n";
    out += "# TYPE " + name + " ";
    out += type;
    out += "\n";
}

}  // namespace

std::string Registry::exposition() const {
    // Collect first, outside the lock: a collector may take its time (Redis).
    std::map<std::string, Collector> collectors;
    {
        std::lock_guard lock(mutex_);
        collectors = collectors_;
    }
    std::map<std::string, std::string> blocks;  // by name: the families in name order
    for (const auto& [name, c] : collectors) {
        std::vector<Sample> samples;
        try {
            samples = c.collect();
        } catch (const std::exception&) {
            collectorErrors_.add();
            continue;
        }
        std::string block;
        header(block, name, c.help, c.type);
        for (const auto& s : samples) {
            block += name + labelSet(c.labelNames, s.labels) + " " + formatValue(s.value) + "\n";
        }
        blocks[name] = std::move(block);
    }
    std::lock_guard lock(mutex_);
    for (const auto& entry : counters_) {
        // Named copies, not structured bindings: clang 14 cannot capture those.
        const std::string& name = entry.first;
        const auto& family = entry.second;
        std::string block;
        header(block, name, family->help(), "counter");
        family->forEach([&](const LabelValues& values, const Counter& c) {
            block += name + labelSet(family->labelNames(), values) + " " +
                     std::to_string(c.value()) + "\n";
        });
        blocks[name] = std::move(block);
    }
    for (const auto& entry : gauges_) {
        // Named copies, not structured bindings: clang 14 cannot capture those.
        const std::string& name = entry.first;
        const auto& family = entry.second;
        std::string block;
        header(block, name, family->help(), "gauge");
        family->forEach([&](const LabelValues& values, const Gauge& g) {
            block +=
                name + labelSet(family->labelNames(), values) + " " + formatValue(g.value()) + "\n";
        });
        blocks[name] = std::move(block);
    }
    for (const auto& entry : histograms_) {
        // Named copies, not structured bindings: clang 14 cannot capture those.
        const std::string& name = entry.first;
        const auto& family = entry.second;
        std::string block;
        header(block, name, family->help(), "histogram");
        family->forEach([&](const LabelValues& values, const Histogram& h) {
            const auto counts = h.bucketCounts();
            uint64_t cumulative = 0;
            for (size_t i = 0; i < counts.size(); ++i) {
                cumulative += counts[i];
                const std::string le =
                    i < h.bounds().size() ? formatValue(h.bounds()[i]) : std::string("+Inf");
                block += name + "_bucket" +
                         labelSet(family->labelNames(), values, "le=\"" + le + "\"") + " " +
                         std::to_string(cumulative) + "\n";
            }
            const std::string labels = labelSet(family->labelNames(), values);
            block += name + "_sum" + labels + " " + formatValue(h.sum()) + "\n";
            block += name + "_count" + labels + " " + std::to_string(h.count()) + "\n";
        });
        blocks[name] = std::move(block);
    }
    std::string errors;
    header(errors, "legate_metrics_collector_errors_total",
           "Scrape-time collectors that failed (their family is left out)", "counter");
    errors +=
        "legate_metrics_collector_errors_total " + std::to_string(collectorErrors_.value()) + "\n";
    blocks["legate_metrics_collector_errors_total"] = std::move(errors);

    std::string out;
    for (const auto& [name, block] : blocks) {
        out += block;
    }
    return out;
}

}  // namespace legate::metrics
