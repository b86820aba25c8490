#include "idO/relay/RelayProgress.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

namespace legate::ido::relay {
namespace {

constexpr std::array<std::pair<JobKind, std::string_view>, 6> kJobKinds = {{
    {JobKind::finalize, "finalize"},
    {JobKind::renew, "renew"},
    {JobKind::poll, "poll"},
    {JobKind::cancel, "cancel"},
    {JobKind::terminate, "terminate"},
    {JobKind::delegationCreated, "delegation-created"},
}};

constexpr std::array<std::pair<RelayMode, std::string_view>, 3> kModes = {{
    {RelayMode::relay, "relay"},
    {RelayMode::starRelay, "star-relay"},
    {RelayMode::emulate, "emulate"},
}};

constexpr std::array<std::pair<IssueStep, std::string_view>, 6> kSteps = {{
    {IssueStep::fresh, "new"},
    {IssueStep::ordered, "ordered"},
    {IssueStep::authorized, "authorized"},
    {IssueStep::finalizing, "finalizing"},
    {IssueStep::finalized, "finalized"},
    {IssueStep::downloaded, "downloaded"},
}};

template <typename E, std::size_t N>
std::optional<E> lookup(const std::array<std::pair<E, std::string_view>, N>& table,
                        std::string_view name) {
    for (const auto& [value, text] : table) {
        if (text == name) {
            return value;
        }
    }
    return std::nullopt;
}

template <typename E, std::size_t N>
std::string_view lookup(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
    for (const auto& [v, text] : table) {
        if (v == value) {
            return text;
        }
    }
    return "";
}

acme::Problem badField(const std::string& name, const std::string& value) {
    return acme::Problem::make(
        acme::ErrorType::serverInternal,
        "relay progress record: field " + name + " has an unusable value \"" + value + "\"");
}

const std::string* find(const FieldMap& record, const std::string& name) {
    auto it = record.find(name);
    return it == record.end() || it->second.empty() ? nullptr : &it->second;
}

/// A non-negative integer field; nullopt when absent.
Result<std::optional<int64_t>> number(const FieldMap& record, const std::string& name) {
    const auto* text = find(record, name);
    if (!text) {
        return std::optional<int64_t>{};
    }
    int64_t value = 0;
    const auto* end = text->data() + text->size();
    auto [ptr, ec] = std::from_chars(text->data(), end, value);
    if (ec != std::errc() || ptr != end || value < 0) {
        return badField(name, *text);
    }
    return std::optional<int64_t>{value};
}

/// A time field (Records' timeField: seconds since the epoch); nullopt when absent.
Result<std::optional<TimePoint>> time(const FieldMap& record, const std::string& name) {
    auto seconds = number(record, name);
    LEGATE_TRY(seconds);
    if (!*seconds) {
        return std::optional<TimePoint>{};
    }
    return std::optional<TimePoint>{TimePoint{Seconds{**seconds}}};
}

std::string text(const FieldMap& record, const std::string& name) {
    const auto* value = find(record, name);
    return value ? *value : std::string();
}

}  // namespace

JobKind jobKindOf(std::string_view name) {
    return lookup(kJobKinds, name).value_or(JobKind::unknown);
}
std::string_view nameOf(JobKind kind) {
    return lookup(kJobKinds, kind);
}
std::optional<RelayMode> relayModeOf(std::string_view name) {
    return lookup(kModes, name);
}
std::string_view nameOf(RelayMode mode) {
    return lookup(kModes, mode);
}
std::optional<IssueStep> issueStepOf(std::string_view name) {
    return lookup(kSteps, name);
}
std::string_view nameOf(IssueStep step) {
    return lookup(kSteps, step);
}

Result<RelayProgress> RelayProgress::parse(const FieldMap& record) {
    RelayProgress p;
    if (const auto* mode = find(record, "mode")) {
        auto m = relayModeOf(*mode);
        if (!m) {
            return badField("mode", *mode);
        }
        p.mode = *m;
    }
    p.done = text(record, "done") == "1";
    p.ended = text(record, "ended") == "1";
    auto attempts = number(record, "attempts");
    LEGATE_TRY(attempts);
    p.attempts = static_cast<int>(std::min<int64_t>(attempts->value_or(0), 1'000'000));
    p.lastError = text(record, "last_error");
    auto anchor = time(record, "anchor");
    LEGATE_TRY(anchor);
    p.anchor = *anchor;
    auto obtained = number(record, "obtained");
    LEGATE_TRY(obtained);
    if (*obtained) {
        p.obtained = static_cast<std::size_t>(**obtained);
    }
    p.starOrder2 = text(record, "star_order2");
    p.followIssued = text(record, "follow") == "1";
    p.profile = text(record, "profile");
    p.currentCertId = text(record, "cur_id");
    for (auto [name, target] :
         {std::pair{"cur_nb", &p.currentNotBefore}, std::pair{"cur_na", &p.currentNotAfter},
          std::pair{"ari_at", &p.ariRenewAt}, std::pair{"ari_check", &p.ariRecheckAt}}) {
        auto t = time(record, name);
        LEGATE_TRY(t);
        *target = *t;
    }

    if (const auto* step = find(record, "i_step")) {
        auto s = issueStepOf(*step);
        if (!s) {
            return badField("i_step", *step);
        }
        p.issue.step = *s;
    }
    auto index = number(record, "i_index");
    LEGATE_TRY(index);
    p.issue.index = static_cast<std::size_t>(index->value_or(0));
    p.issue.order2Url = text(record, "i_order2");
    p.issue.pem = text(record, "i_pem");
    auto nb = time(record, "i_nb");
    LEGATE_TRY(nb);
    p.issue.notBefore = *nb;
    auto na = time(record, "i_na");
    LEGATE_TRY(na);
    p.issue.notAfter = *na;
    p.issue.certificateUrl = text(record, "i_cert_url");
    p.issue.honoured = text(record, "i_honoured") == "1";
    auto polls = number(record, "i_polls");
    LEGATE_TRY(polls);
    p.issue.polls = static_cast<int>(std::min<int64_t>(polls->value_or(0), 1'000'000));
    auto started = number(record, "i_started_ms");
    LEGATE_TRY(started);
    if (*started) {
        p.issue.startedAt = TimePoint(std::chrono::milliseconds(**started));
    }
    return p;
}

FieldMap RelayProgress::fields() const {
    FieldMap f;
    auto put = [&f](const char* name, const std::string& value) {
        if (!value.empty()) {
            f[name] = value;
        }
    };
    put("mode", std::string(nameOf(mode)));
    put("done", done ? "1" : "");
    put("ended", ended ? "1" : "");
    put("attempts", attempts > 0 ? std::to_string(attempts) : "");
    put("last_error", lastError);
    put("anchor", anchor ? timeField(*anchor) : "");
    put("obtained", obtained ? std::to_string(*obtained) : "");
    put("star_order2", starOrder2);
    put("follow", followIssued ? "1" : "");
    put("profile", profile);
    put("cur_id", currentCertId);
    put("cur_nb", currentNotBefore ? timeField(*currentNotBefore) : "");
    put("cur_na", currentNotAfter ? timeField(*currentNotAfter) : "");
    put("ari_at", ariRenewAt ? timeField(*ariRenewAt) : "");
    put("ari_check", ariRecheckAt ? timeField(*ariRecheckAt) : "");
    if (issue.step != IssueStep::none) {
        put("i_step", std::string(nameOf(issue.step)));
        put("i_index", std::to_string(issue.index));
        put("i_order2", issue.order2Url);
        put("i_pem", issue.pem);
        put("i_nb", issue.notBefore ? timeField(*issue.notBefore) : "");
        put("i_na", issue.notAfter ? timeField(*issue.notAfter) : "");
        put("i_cert_url", issue.certificateUrl);
        put("i_polls", issue.polls > 0 ? std::to_string(issue.polls) : "");
        put("i_honoured", issue.honoured ? "1" : "");
        put("i_started_ms",
            issue.startedAt ? std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 issue.startedAt->time_since_epoch())
                                                 .count())
                            : "");
    }
    return f;
}

std::vector<std::string> RelayProgress::absentFields() const {
    static const std::vector<std::string> kAll = {
        "mode",    "done",       "attempts", "last_error",  "anchor", "obtained", "star_order2",
        "i_step",  "i_index",    "i_order2", "i_pem",       "i_nb",   "i_na",     "i_cert_url",
        "i_polls", "i_honoured", "follow",   "profile",     "cur_id", "cur_nb",   "cur_na",
        "ari_at",  "ari_check",  "ended",    "i_started_ms"};
    const auto present = fields();
    std::vector<std::string> absent;
    for (const auto& name : kAll) {
        if (!present.count(name)) {
            absent.push_back(name);
        }
    }
    return absent;
}

}  // namespace legate::ido::relay
