// Key store, atomic files, installation, the reload command and the state file.

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "broker/crypto/CertificateBuilder.h"
#include "ndc/AtomicFile.h"
#include "ndc/Installer.h"
#include "ndc/KeyStore.h"
#include "ndc/StateStore.h"
#include "tests/support/TestSupport.h"

namespace legate::ndc {
namespace {

using test::readFile;
using test::TempDir;

mode_t modeOf(const std::filesystem::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
}

size_t entries(const std::filesystem::path& dir) {
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir),
                                             std::filesystem::directory_iterator()));
}

TEST(AtomicFile, ReplacesContentWithTheRequestedModeAndLeavesNoTempFile) {
    TempDir dir;
    const auto old = ::umask(0);  // the mode must not depend on the umask
    ASSERT_TRUE(writeFileAtomic(dir / "a.pem", "one", 0600).ok());
    ::umask(old);
    EXPECT_EQ(readFile(dir / "a.pem"), "one");
    EXPECT_EQ(modeOf(dir / "a.pem"), 0600u);
    ASSERT_TRUE(writeFileAtomic(dir / "a.pem", "two", 0644).ok());
    EXPECT_EQ(readFile(dir / "a.pem"), "two");
    EXPECT_EQ(modeOf(dir / "a.pem"), 0644u);
    EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(AtomicFile, FailsCleanlyWhenTheDirectoryIsMissing) {
    TempDir dir;
    auto written = writeFileAtomic(dir / "missing" / "a.pem", "x", 0600);
    ASSERT_FALSE(written.ok());
    EXPECT_NE(written.problem().detail.find("missing"), std::string::npos);
}

TEST(AtomicFile, ExclusiveCreateNeverOverwrites) {
    TempDir dir;
    auto first = createFileExclusive(dir / "k", "first", 0600);
    ASSERT_TRUE(first.ok());
    EXPECT_TRUE(*first);
    auto second = createFileExclusive(dir / "k", "second", 0600);
    ASSERT_TRUE(second.ok());
    EXPECT_FALSE(*second);
    EXPECT_EQ(readFile(dir / "k"), "first");
    EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(KeyStore, OneKeyPerSlotMadeOnceWithMode0600AndReused) {
    TempDir dir;
    KeyStore keys(dir.path());
    auto a = keys.slotKey("www", crypto::KeyType::P256);
    ASSERT_TRUE(a.ok());
    auto again = keys.slotKey("www", crypto::KeyType::P384);  // existing key wins
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(a->publicKey() == again->publicKey());
    auto other = keys.slotKey("img", crypto::KeyType::P256);
    ASSERT_TRUE(other.ok());
    EXPECT_FALSE(a->publicKey() == other->publicKey());
    EXPECT_EQ(modeOf(keys.keyFile("www")), 0600u);
    EXPECT_EQ(modeOf(keys.dir()), 0700u);
    EXPECT_TRUE(keys.existingSlotKey("www")->publicKey() == a->publicKey());
    EXPECT_FALSE(keys.existingSlotKey("none").ok());
    EXPECT_FALSE(keys.slotKey("../escape", crypto::KeyType::P256).ok());
    EXPECT_FALSE(keys.slotKey("", crypto::KeyType::P256).ok());
}

TEST(KeyStore, AccountKeyOnlyCreatedWhenAsked) {
    TempDir dir;
    KeyStore keys(dir.path());
    auto missing = keys.accountKey(false);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.problem().type, acme::ErrorType::accountDoesNotExist);
    auto made = keys.accountKey(true);
    ASSERT_TRUE(made.ok());
    EXPECT_TRUE(keys.accountKey(false)->publicKey() == made->publicKey());
    EXPECT_EQ(modeOf(dir / "keys" / "account.key"), 0600u);
}

TEST(Installer, WritesKeyThenChainAndReportsWhetherAnythingChanged) {
    TempDir dir;
    auto key = crypto::PrivateKey::generate(crypto::KeyType::P256);
    const auto out = dir / "edge" / "www";
    auto changed = installCertificate(out, "CHAIN-1", *key);
    ASSERT_TRUE(changed.ok()) << changed.problem().detail;
    EXPECT_TRUE(*changed);
    EXPECT_EQ(readFile(out / "fullchain.pem"), "CHAIN-1");
    EXPECT_EQ(readFile(out / "key.pem"), key->toPem());
    EXPECT_EQ(modeOf(out / "key.pem"), 0600u);
    EXPECT_EQ(modeOf(out / "fullchain.pem"), 0644u);
    EXPECT_FALSE(*installCertificate(out, "CHAIN-1", *key));
    EXPECT_TRUE(*installCertificate(out, "CHAIN-2", *key));
    EXPECT_EQ(installedChain(out), "CHAIN-2");
    EXPECT_EQ(entries(out), 2u);
}

TEST(Installer, ReloadCommandFailureCarriesStatusAndOutput) {
    EXPECT_TRUE(runReloadCommand("").ok());
    EXPECT_TRUE(runReloadCommand("true").ok());
    auto failed = runReloadCommand("echo 'nginx: [emerg] bad config' >&2; exit 3");
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.problem().detail.find("exit status 3"), std::string::npos);
    EXPECT_NE(failed.problem().detail.find("nginx: [emerg] bad config"), std::string::npos)
        << failed.problem().detail;
}

TEST(StateStore, RoundTripsEverySlotField) {
    TempDir dir;
    StateStore store(dir / "state");
    NdcState state;
    state.server = "https://ido/acme/t/directory";
    state.accountUrl = "https://ido/acme/t/acct/1";
    auto& s = state.slots["www"];
    s.delegationUrl = "https://ido/acme/t/delegation/d";
    s.orderUrl = "https://ido/acme/t/order/o";
    s.certificateUrl = "https://ido/acme/t/cert/c";
    s.lifetime = Seconds{3600};
    s.names = {"a.example"};
    s.out = "/edge/www";
    s.installed = InstalledCertificate{"1a", TimePoint{Seconds{1'800'000'000}},
                                       TimePoint{Seconds{1'800'003'600}}};
    s.nextAction = "fetch";
    s.nextAt = TimePoint{Seconds{1'800'001'000}};
    s.failures = 3;
    s.lastError = "fetch: connection refused";
    s.reloadPending = true;
    ASSERT_TRUE(store.save(state).ok());
    EXPECT_EQ(modeOf(store.file()), 0600u);
    auto loaded = store.load();
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(toJson(*loaded), toJson(state));
    EXPECT_TRUE(StateStore(dir / "nothing").load()->slots.empty());
}

}  // namespace
}  // namespace legate::ndc
