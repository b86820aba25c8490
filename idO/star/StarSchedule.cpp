#include "idO/star/StarSchedule.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "broker/core/Time.h"

namespace legate::ido::star {
namespace {

using acme::ErrorType;
using acme::Problem;

Problem malformed(std::string detail) {
    return Problem::make(ErrorType::malformed, std::move(detail));
}

Problem badOption(std::string detail) {
    return Problem::make(ErrorType::serverInternal, "STAR emulation option: " + std::move(detail));
}

int64_t ceilSeconds(TimePoint t) {
    return std::chrono::ceil<Seconds>(t.time_since_epoch()).count();
}

int64_t floorSeconds(TimePoint t) {
    return std::chrono::floor<Seconds>(t.time_since_epoch()).count();
}

TimePoint at(int64_t secondsSinceEpoch) {
    return TimePoint{Seconds{secondsSinceEpoch}};
}

}  // namespace

Result<StarSchedule> StarSchedule::create(const AutoRenewal& settings, TimePoint firstIssuance,
                                          const StarScheduleOptions& options) {
    const double f = options.paddingFactor;
    if (!(f >= 0.5 && f < 1.0)) {
        return badOption("padding factor must be in [0.5, 1), got " + std::to_string(f));
    }
    if (options.leadTime < Seconds{0} || options.leadTime > kMaxLeadTime) {
        return badOption("lead time must be between 0 and " + std::to_string(kMaxLeadTime.count()) +
                         " s");
    }
    if (options.maxCertificates == 0) {
        return badOption("maxCertificates must be at least 1");
    }
    if (settings.lifetime < kMinLifetime || settings.lifetime > kMaxLifetime) {
        return malformed("auto-renewal.lifetime must be between " +
                         std::to_string(kMinLifetime.count()) + " and " +
                         std::to_string(kMaxLifetime.count()) + " seconds");
    }
    if (settings.lifetimeAdjust < Seconds{0}) {
        return malformed("auto-renewal.lifetime-adjust must not be negative");
    }

    StarSchedule s;
    s.settings_ = settings;
    s.options_ = options;
    s.firstIssuance_ = firstIssuance;
    const int64_t issuance = ceilSeconds(firstIssuance);
    s.start_ = settings.startDate ? ceilSeconds(*settings.startDate) : issuance;
    s.end_ = floorSeconds(settings.endDate);
    s.nrd0_ = std::max(s.start_, issuance);
    if (s.end_ <= s.start_) {
        return malformed("auto-renewal.end-date " + toRfc3339(settings.endDate) +
                         " must be after the start-date");
    }
    if (s.end_ <= s.nrd0_) {
        return malformed("auto-renewal.end-date " + toRfc3339(settings.endDate) +
                         " is not after the first issuance " + toRfc3339(at(s.nrd0_)));
    }
    const int64_t T = settings.lifetime.count();
    s.lifetime_ = T;
    const auto scaled = static_cast<int64_t>(std::ceil(f * static_cast<double>(T)));
    s.serverPad_ = std::clamp<int64_t>(scaled, (T + 1) / 2, T - 1);
    s.pad_ = std::max(std::min(T, settings.lifetimeAdjust.count()), s.serverPad_);
    s.lead_ = options.leadTime.count();

    const int64_t span = s.end_ - s.nrd0_;
    const int64_t n = span / T + (span % T != 0 ? 1 : 0);
    if (static_cast<uint64_t>(n) > options.maxCertificates) {
        return malformed("auto-renewal: end-date and lifetime would need " + std::to_string(n) +
                         " certificates, more than the limit of " +
                         std::to_string(options.maxCertificates));
    }
    s.count_ = static_cast<std::size_t>(n);
    return s;
}

Result<StarSchedule> StarSchedule::rebasedAt(TimePoint firstIssuance) const {
    return create(settings_, firstIssuance, options_);
}

TimePoint StarSchedule::endDate() const {
    return at(end_);
}

int64_t StarSchedule::currentFromSeconds(std::size_t i) const {
    if (i == 0) {
        return nrd0_;
    }
    return nrd0_ + static_cast<int64_t>(i) * lifetime_ - serverPad_;
}

std::optional<StarWindow> StarSchedule::window(std::size_t i) const {
    if (i >= count_) {
        return std::nullopt;
    }
    const int64_t nrd = nrd0_ + static_cast<int64_t>(i) * lifetime_;
    StarWindow w;
    w.index = i;
    w.nominalRenewal = at(nrd);
    w.notBefore = at(std::max(nrd - pad_, start_));
    w.notAfter = at(std::min(nrd + lifetime_, end_));
    const int64_t current = currentFromSeconds(i);
    w.currentFrom = at(current);
    if (i == 0) {
        w.publishBy = at(nrd0_);
        w.orderAt = at(nrd0_ - lead_);
    } else {
        w.publishBy = at(nrd - lifetime_ + lifetime_ / 2);
        w.orderAt = at(std::max(current - lead_, currentFromSeconds(i - 1)));
    }
    return w;
}

std::optional<std::size_t> StarSchedule::windowAt(TimePoint t) const {
    if (t < at(nrd0_) || expiredAt(t)) {
        return std::nullopt;
    }
    // For i ≥ 1, currentFrom[i] ≤ t  ⇔  i ≤ (t − nrd[0] + s) / T; i = 0 holds as t ≥ nrd[0].
    const int64_t q = (floorSeconds(t) - nrd0_ + serverPad_) / lifetime_;
    return static_cast<std::size_t>(std::min<int64_t>(q, static_cast<int64_t>(count_) - 1));
}

std::optional<TimePoint> StarSchedule::nextPublicationAfter(TimePoint t) const {
    if (t < at(nrd0_)) {
        return at(nrd0_);
    }
    const int64_t q = (floorSeconds(t) - nrd0_ + serverPad_) / lifetime_;
    const int64_t next = q + 1;
    if (next >= static_cast<int64_t>(count_)) {
        return std::nullopt;
    }
    return at(currentFromSeconds(static_cast<std::size_t>(next)));
}

bool StarSchedule::expiredAt(TimePoint t) const {
    return t >= at(end_);
}

}  // namespace legate::ido::star
