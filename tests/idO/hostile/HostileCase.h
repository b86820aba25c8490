#pragma once
/// The hostile-input suite's table model.
///
/// Each case prepares what it needs (accounts, delegations, orders, written through the
/// real server or straight through TenantState), then sends ONE hostile request.  The
/// runner snapshots Redis right before that request and right after it, and asserts:
/// the HTTP status, the problem type URN, and that Redis is unchanged (nonces and
/// rate-limit buckets aside, see RedisSnapshot).  A few cases are refusals the RFCs
/// say must change state (a CSR rejected at finalize makes the order `invalid`, RFC 9115
/// §2.3.3, digest A1); they say so with `unchanged = false` and assert the exact change
/// in `check`.
///
/// All cases share one server (HostileSuite.cpp) and each makes its own accounts, so
/// no case depends on another's leftovers.

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/idO/support/AcmeTestClient.h"
#include "tests/idO/support/AcmeTestEnvironment.h"

namespace legate::ido {

/// Which route sets a case needs (the suite is built with whatever exists).
enum Needs : unsigned {
    kAccounts = 1u << 0,  ///< JWS pipeline + AccountRoutes (newAccount, account URL)
    kOrders = 1u << 1,    ///< OrderRoutes (newOrder, orders, finalize, delegations)
    kAdmin = 1u << 2,     ///< AdminRoutes
};

/// The request a case sends once prepared, and what else to check about its answer.
struct Attack {
    Attack(std::function<AcmeReply()> request) : send(std::move(request)) {}

    std::function<AcmeReply()> send;
    /// false only where the protocol requires a state change on refusal.
    bool unchanged = true;
    /// Extra assertions on the answer (runs after the status/type/snapshot checks).
    std::function<void(const AcmeReply&)> check;
};

class HostileContext;

struct HostileCase {
    HostileCase(std::string caseName, unsigned caseNeeds, int expectedStatus,
                std::string expectedError, std::function<Attack(HostileContext&)> prepareCase)
        : name(std::move(caseName)),
          needs(caseNeeds),
          status(expectedStatus),
          error(std::move(expectedError)),
          prepare(std::move(prepareCase)) {}

    std::string name;  ///< gtest name: letters and digits only
    unsigned needs = kAccounts;
    int status = 400;
    std::string error;  ///< ACME error name ("badNonce"), or "" when no problem type is asserted
    std::function<Attack(HostileContext&)> prepare;
    /// Non-empty: the case is compiled but skipped, with this reason.
    std::string skip;
};

/// For requests whose body the server refuses unread (413): the server answers and
/// closes the connection with the body still unread, and the kernel's reset can reach
/// libcurl before it has read the answer (a lingering-close race of broker/http, not of
/// the code under test).  The send is repeated, at most `attempts` times in all, only on
/// such a transport failure; the answer is asserted as usual.
AcmeReply sendDespiteReset(const std::function<AcmeReply()>& send, int attempts = 3);

/// gtest prints a case by its name.
inline void PrintTo(const HostileCase& c, std::ostream* os) {
    *os << c.name;
}

/// What a case can build on.  Everything it makes stays alive until the case ends.
class HostileContext {
public:
    explicit HostileContext(AcmeTestEnvironment& env) : env_(env) {}

    AcmeTestEnvironment& env() { return env_; }
    TenantContext& tenant(const std::string& name = "example") { return env_.tenant(name); }

    /// A new client of `tenant`, onboarded (NDC + account) unless `onboard` is false.
    AcmeTestClient& client(const std::string& tenant = "example", bool onboard = true,
                           crypto::KeyType keyType = crypto::KeyType::P256);
    /// The case's main client (onboarded in "example"), made on first use.
    AcmeTestClient& ndc();
    /// The account id of a client's account URL.
    std::string accountId(AcmeTestClient& c);

    /// A STAR delegation of `names` for the client's NDC.
    TestDelegation delegation(AcmeTestClient& c,
                              std::vector<std::string> names = {"abc.ido.example"});
    /// A newOrder payload for a STAR order under `delegationUrl` that the server should
    /// accept; cases spoil one member.
    nlohmann::json starOrder(const std::string& delegationUrl,
                             std::vector<std::string> names = {"abc.ido.example"});
    /// An order of the client under `d`, written through TenantState, then moved to
    /// `status` (ready, processing or valid).
    OrderRecord order(AcmeTestClient& c, const TestDelegation& d,
                      const std::string& status = "ready");

    /// RFC 3339 for now + offset on the server's clock.
    std::string dateIn(std::chrono::seconds offset);

private:
    AcmeTestEnvironment& env_;
    std::vector<std::unique_ptr<AcmeTestClient>> clients_;
    AcmeTestClient* main_ = nullptr;
};

/// The case tables, one per area.
std::vector<HostileCase> jwsCases();
std::vector<HostileCase> accountCases();
std::vector<HostileCase> orderCases();
std::vector<HostileCase> adminCases();

}  // namespace legate::ido
