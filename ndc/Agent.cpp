#include "ndc/Agent.h"

#include <algorithm>

#include "broker/core/Time.h"
#include "ndc/ChainVerifier.h"
#include "ndc/Installer.h"
#include "ndc/Ordering.h"
#include "ndc/Schedule.h"

namespace legate::ndc {

using acme::ErrorType;
using acme::Problem;

namespace {

int64_t secondsBetween(TimePoint from, TimePoint to) {
    return std::chrono::duration_cast<Seconds>(to - from).count();
}

OrderSpec specFor(const SlotConfig& cfg) {
    OrderSpec spec;
    spec.delegationUrl = cfg.delegationUrl;
    spec.star = cfg.star;
    spec.lifetime = cfg.lifetime;
    spec.duration = cfg.duration;
    spec.endDate = cfg.endDate;
    spec.subject = cfg.subject;
    spec.dnsNames = cfg.dnsNames;
    spec.keyType = cfg.keyType;
    return spec;
}

}  // namespace

Agent::Agent(Config config, AcmeClient& client, KeyStore& keys, StateStore& store,
             const Clock& clock, std::function<double()> random01)
    : config_(std::move(config)),
      client_(client),
      keys_(keys),
      store_(store),
      clock_(clock),
      random01_(std::move(random01)) {}

Status Agent::start() {
    auto loaded = store_.load();
    LEGATE_TRY(loaded);
    state_ = std::move(loaded).value();
    trust_.clear();
    if (!config_.trust.empty()) {  // empty only for `ndc order` without --trust
        auto trust = crypto::loadPemCertificates(config_.trust);
        if (!trust.ok()) {
            return Problem::make(ErrorType::malformed, "trust anchors " + config_.trust.string() +
                                                           ": " + trust.problem().detail);
        }
        trust_ = std::move(trust).value();
    }
    return align();
}

Status Agent::reconfigure(Config config) {
    auto trust = crypto::loadPemCertificates(config.trust);
    if (!trust.ok()) {
        return Problem::make(ErrorType::malformed, "trust anchors " + config.trust.string() + ": " +
                                                       trust.problem().detail);
    }
    trust_ = std::move(trust).value();
    config_ = std::move(config);
    return align();
}

Status Agent::align() {
    for (const auto& cfg : config_.slots) {
        auto& s = state_.slots[cfg.name];
        if (s.delegationUrl != cfg.delegationUrl || s.star != cfg.star) {
            if (!s.delegationUrl.empty()) {
                log_.info("delegation of the slot changed: ordering again",
                          {{"slot", cfg.name}, {"delegation", cfg.delegationUrl}});
            }
            s.delegationUrl = cfg.delegationUrl;
            s.star = cfg.star;
            s.orderUrl.clear();
            s.certificateUrl.clear();
            s.ended.clear();
            s.nextAt.reset();
        }
        if (!s.ended.empty() && cfg.reorder) {
            s.ended.clear();
            s.orderUrl.clear();
            s.certificateUrl.clear();
            s.nextAt.reset();
        }
        if (s.out != cfg.out.string()) {
            s.out = cfg.out.string();
            s.nextAt.reset();  // install into the new place at once
        }
        if (s.nextAction.empty()) {
            s.nextAction = "order";
        }
    }
    save();
    return okStatus();
}

void Agent::save() {
    if (auto saved = store_.save(state_); !saved.ok()) {
        log_.error("cannot save state",
                   {{"file", store_.file().string()}, {"error", saved.problem().detail}});
    }
}

TimePoint Agent::runDue() {
    const TimePoint now = clock_.now();
    TimePoint next = now + config_.timing.maxInterval;
    for (const auto& cfg : config_.slots) {
        auto& s = state_.slots[cfg.name];
        if (!s.nextAt || *s.nextAt <= now) {
            if (s.ended.empty()) {
                service(cfg, s, now);
                save();
            }
        }
        if (s.ended.empty() && s.nextAt) {
            next = std::min(next, *s.nextAt);
        }
    }
    return next;
}

void Agent::step(const std::string& name, const std::string& detail) const {
    if (progress_) {
        progress_(name, detail);
    }
}

void Agent::succeeded(SlotState& s) {
    s.failures = 0;
    s.lastError.clear();
    s.lastErrorAt.reset();
}

void Agent::fail(const SlotConfig& cfg, SlotState& s, TimePoint now, const std::string& what,
                 const Problem& problem) {
    ++s.failures;
    s.lastError = what + ": " + problem.detail;
    s.lastErrorAt = now;
    std::optional<TimePoint> notAfter;
    if (s.installed && s.installed->notAfter > now) {
        notAfter = s.installed->notAfter;
    }
    s.nextAt = retryAt(s.failures, now, config_.timing, random01_(), notAfter);
    log_.warn(what + " failed; backing off",
              {{"slot", cfg.name},
               {"error", problem.detail},
               {"failures", s.failures},
               {"retry-in", secondsBetween(now, *s.nextAt)},
               {"next-action", s.nextAction},
               {"installed-valid", s.installed && s.installed->notAfter > now}});
}

void Agent::service(const SlotConfig& cfg, SlotState& s, TimePoint now) {
    if (s.reloadPending) {
        if (!reload(cfg, s, now)) {
            return;
        }
    }
    // Non-STAR certificates are renewed by a fresh order at 2/3 of their validity.
    if (!s.star && s.installed && !s.certificateUrl.empty() &&
        now >= renewalTime(s.installed->notBefore, s.installed->notAfter)) {
        log_.info("certificate due for renewal: ordering again", {{"slot", cfg.name}});
        s.orderUrl.clear();
        s.certificateUrl.clear();
    }
    if (s.orderUrl.empty()) {
        s.nextAction = "order";
        order(cfg, s, now);
        return;
    }
    if (s.certificateUrl.empty()) {
        s.nextAction = "poll-order";
        pollOrder(cfg, s, now);
        if (s.certificateUrl.empty()) {
            return;
        }
    }
    s.nextAction = "fetch";
    fetch(cfg, s, now);
}

void Agent::order(const SlotConfig& cfg, SlotState& s, TimePoint now) {
    auto placed =
        placeOrder(client_, keys_, cfg.name, specFor(cfg), clock_,
                   [&](const std::string& name, const std::string& detail) {
                       log_.info("order: " + name, {{"slot", cfg.name}, {"detail", detail}});
                       step(name, detail);
                   });
    if (!placed.ok()) {
        fail(cfg, s, now, "order", placed.problem());
        return;
    }
    succeeded(s);
    s.orderUrl = placed->orderUrl;
    s.certificateUrl.clear();
    // The files on disk stay until the new order's first certificate replaces them, but
    // "never one that expires sooner" compares within one order only: a new order (new
    // names, shorter lifetime) must be able to replace the old order's certificate.
    s.installed.reset();
    s.names = placed->names;
    s.lifetime = placed->lifetime;
    s.nextAction = "poll-order";
    s.nextAt = now + orderPollDelay(placed->retryAfter, config_.timing);
    log_.info("order placed",
              {{"slot", cfg.name}, {"order", s.orderUrl}, {"status", placed->status}});
}

void Agent::pollOrder(const SlotConfig& cfg, SlotState& s, TimePoint now) {
    auto order = readOrder(client_, s.orderUrl, clock_);
    if (!order.ok()) {
        fail(cfg, s, now, "poll order", order.problem());
        return;
    }
    if (order->status == "valid" && !order->certificateUrl.empty()) {
        s.certificateUrl = order->certificateUrl;
        if (order->lifetime) {
            s.lifetime = order->lifetime;
        }
        log_.info("order valid", {{"slot", cfg.name}, {"certificate", s.certificateUrl}});
        step("valid", (s.star ? "star-certificate " : "certificate ") + s.certificateUrl);
        return;
    }
    if (order->status == "invalid") {
        const std::string orderUrl = s.orderUrl;
        s.orderUrl.clear();  // the next attempt orders again
        s.nextAction = "order";
        fail(cfg, s, now, "order " + orderUrl + " became invalid",
             Problem::make(ErrorType::serverInternal,
                           order->error.empty() ? "no error given" : order->error));
        return;
    }
    if (order->status == "canceled" || order->status == "expired") {
        Reply synthetic;
        synthetic.status = 403;
        synthetic.body = Problem::make(order->status == "canceled" ? ErrorType::autoRenewalCanceled
                                                                   : ErrorType::autoRenewalExpired,
                                       "the order is " + order->status)
                             .toJson()
                             .dump();
        ended(cfg, s, synthetic, now);
        return;
    }
    succeeded(s);
    const Seconds wait = orderPollDelay(order->retryAfter, config_.timing);
    s.nextAt = now + wait;
    step("waiting",
         "order is " + order->status + ", next poll in " + std::to_string(wait.count()) + " s");
}

bool Agent::ended(const SlotConfig& cfg, SlotState& s, const Reply& reply, TimePoint now) {
    const auto problem = reply.problem();
    if (reply.status != 403 || (problem.type != ErrorType::autoRenewalCanceled &&
                                problem.type != ErrorType::autoRenewalExpired)) {
        return false;
    }
    const std::string why(acme::errorName(problem.type));
    if (cfg.reorder) {
        log_.warn("the order ended; ordering again (reorder: true)",
                  {{"slot", cfg.name}, {"reason", why}, {"order", s.orderUrl}});
        succeeded(s);
        s.orderUrl.clear();
        s.certificateUrl.clear();
        s.nextAction = "order";
        s.nextAt = now + config_.timing.minInterval;
        return true;
    }
    s.ended = why;
    s.nextAction = "stopped";
    s.nextAt.reset();
    log_.warn(
        "the order ended; renewals stop, the installed certificate stays until it "
        "expires",
        {{"slot", cfg.name},
         {"reason", why},
         {"detail", problem.detail},
         {"installed-until", s.installed ? toRfc3339(s.installed->notAfter) : ""}});
    return true;
}

void Agent::fetch(const SlotConfig& cfg, SlotState& s, TimePoint now) {
    auto head = client_.head(s.certificateUrl);
    if (!head.ok()) {
        fail(cfg, s, now, "fetch", head.problem());
        return;
    }
    // A HEAD answer has no body, so a refusal's problem type is unknown here: anything
    // but 200 goes on to the GET, whose problem document says what happened.
    const auto nb = parseHttpDate(head->header("Cert-Not-Before"));
    const auto na = parseHttpDate(head->header("Cert-Not-After"));
    const bool haveFiles = !installedChain(cfg.out).empty();
    if (head->status == 200 && nb && na && s.installed && haveFiles &&
        *nb == s.installed->notBefore && *na == s.installed->notAfter) {
        // The cheap check says: still the certificate we have.
        succeeded(s);
        Publication p{*nb, *na, head->maxAge(), s.lifetime};
        s.nextAt = nextCheck(p, now, config_.timing, random01_());
        log_.debug("unchanged", {{"slot", cfg.name}, {"next-in", secondsBetween(now, *s.nextAt)}});
        return;
    }
    auto got = client_.get(s.certificateUrl);
    if (!got.ok()) {
        fail(cfg, s, now, "fetch", got.problem());
        return;
    }
    if (got->status != 200) {
        if (ended(cfg, s, *got, now)) {
            return;
        }
        // The unauthenticated GET is RFC 9115's extra; POST-as-GET (RFC 8555 §7.4.2)
        // is the standard way, so a server that refuses the one may serve the other.
        auto posted = client_.post(s.certificateUrl, std::nullopt);
        if (!posted.ok() || posted->status != 200) {
            fail(cfg, s, now, "fetch", describe(got->problem()));
            return;
        }
        got = std::move(posted);
    }
    if (s.names.empty()) {
        // Without the ordered names the name check cannot be made: never install blind.
        s.orderUrl.clear();
        s.certificateUrl.clear();
        s.nextAction = "order";
        fail(cfg, s, now, "verify",
             Problem::make(ErrorType::malformed,
                           "the state has no names for this order; ordering again"));
        return;
    }
    auto key = keys_.existingSlotKey(cfg.name);
    if (!key.ok()) {
        fail(cfg, s, now, "key", key.problem());
        return;
    }
    auto verified = verifyForInstall(got->body, key->publicKey(), s.names, trust_, now);
    if (!verified.ok()) {
        fail(cfg, s, now, "verify", verified.problem());
        return;
    }
    const auto leaf = verified->leaf();
    step("verified",
         "serial " + leaf.serialHex() + ", key and names match" +
             (trust_.empty() ? " (chain NOT checked: no --trust given)" : ", chain verifies"));
    if (s.installed && haveFiles && leaf.notAfter() < s.installed->notAfter) {
        // Never trade the installed certificate for one that dies sooner.
        succeeded(s);
        Publication p{s.installed->notBefore, s.installed->notAfter, got->maxAge(), s.lifetime};
        s.nextAt = nextCheck(p, now, config_.timing, random01_());
        log_.warn("the published certificate is older than the installed one; keeping ours",
                  {{"slot", cfg.name}, {"serial", leaf.serialHex()}});
        return;
    }
    auto installed = installCertificate(cfg.out, got->body, *key);
    if (!installed.ok()) {
        fail(cfg, s, now, "install", installed.problem());
        return;
    }
    s.installed = InstalledCertificate{leaf.serialHex(), leaf.notBefore(), leaf.notAfter()};
    Publication p{leaf.notBefore(), leaf.notAfter(), got->maxAge(), s.lifetime};
    step("installed", (cfg.out / "fullchain.pem").string() + " and key.pem, valid " +
                          toRfc3339(leaf.notBefore()) + " .. " + toRfc3339(leaf.notAfter()));
    if (*installed) {
        log_.info("installed new certificate", {{"slot", cfg.name},
                                                {"serial", leaf.serialHex()},
                                                {"not-before", toRfc3339(leaf.notBefore())},
                                                {"not-after", toRfc3339(leaf.notAfter())},
                                                {"out", cfg.out.string()}});
        s.reloadPending = !cfg.reload.empty();
        if (s.reloadPending && !reload(cfg, s, now)) {
            return;
        }
    }
    succeeded(s);
    s.nextAction = "fetch";
    s.nextAt = nextCheck(p, now, config_.timing, random01_());
}

bool Agent::reload(const SlotConfig& cfg, SlotState& s, TimePoint now) {
    auto ran = runReloadCommand(cfg.reload);
    if (!ran.ok()) {
        s.nextAction = "reload";
        fail(cfg, s, now, "reload", ran.problem());
        return false;
    }
    s.reloadPending = false;
    log_.info("reload command succeeded", {{"slot", cfg.name}, {"command", cfg.reload}});
    if (s.nextAction == "reload") {
        s.nextAction = "fetch";
    }
    return true;
}

}  // namespace legate::ndc
