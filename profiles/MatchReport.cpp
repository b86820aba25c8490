#include "profiles/MatchReport.h"

#include <algorithm>

namespace legate::profiles {

namespace {
constexpr int kForbidden = 403;  // RFC 9115 §2.3.3: template rejections are 403
}

void MatchReport::pass(std::string field, std::string detail) {
    findings_.push_back({Finding::Verdict::Pass, std::move(field), std::move(detail), {}});
}

void MatchReport::badCsr(std::string field, std::string detail) {
    findings_.push_back({Finding::Verdict::BadCsr, std::move(field), std::move(detail), {}});
}

void MatchReport::rejectIdentifier(std::string field, acme::Identifier identifier,
                                   std::string detail) {
    findings_.push_back({Finding::Verdict::RejectedIdentifier, std::move(field), std::move(detail),
                         std::move(identifier)});
}

bool MatchReport::ok() const {
    return std::none_of(findings_.begin(), findings_.end(),
                        [](const Finding& f) { return f.failed(); });
}

std::vector<Finding> MatchReport::failures() const {
    std::vector<Finding> out;
    std::copy_if(findings_.begin(), findings_.end(), std::back_inserter(out),
                 [](const Finding& f) { return f.failed(); });
    return out;
}

void MatchReport::append(const MatchReport& other) {
    findings_.insert(findings_.end(), other.findings_.begin(), other.findings_.end());
}

std::optional<acme::Problem> MatchReport::toProblem() const {
    const std::vector<Finding> failed = failures();
    if (failed.empty()) {
        return std::nullopt;
    }
    const bool anyShape = std::any_of(failed.begin(), failed.end(), [](const Finding& f) {
        return f.verdict == Finding::Verdict::BadCsr;
    });
    const bool anyIdentifier = std::any_of(failed.begin(), failed.end(), [](const Finding& f) {
        return f.verdict == Finding::Verdict::RejectedIdentifier;
    });

    auto subproblem = [](const Finding& f) {
        if (f.verdict == Finding::Verdict::RejectedIdentifier) {
            auto p = acme::Problem::make(acme::ErrorType::rejectedIdentifier, f.detail, kForbidden);
            if (f.identifier) {
                p.withIdentifier(*f.identifier);
            }
            return p;
        }
        return acme::Problem::make(acme::ErrorType::badCSR, f.detail, kForbidden);
    };

    std::string detail;
    if (failed.size() == 1) {
        detail = failed.front().detail;
    } else {
        detail = std::to_string(failed.size()) + " problems: ";
        for (size_t i = 0; i < failed.size(); ++i) {
            detail += (i ? "; " : "") + failed[i].detail;
        }
    }
    const auto type = anyShape ? acme::ErrorType::badCSR : acme::ErrorType::rejectedIdentifier;
    auto problem = acme::Problem::make(type, detail, kForbidden);
    if (failed.size() > 1 || anyIdentifier) {
        for (const auto& f : failed) {
            problem.add(subproblem(f));
        }
    }
    return problem;
}

}  // namespace legate::profiles
