#include "common/webhook/signature.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <sys/stat.h>

namespace lifeline::common {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr char kSecret[] = "lifeline-test-secret-0123456789abcdef";
constexpr char kOtherSecret[] = "another-secret-for-rotation-0123456789";
constexpr int64_t kTimestamp = 1767225600;  // 2026-01-01T00:00:00Z
constexpr char kBody[] = R"({"a":1})";

// Computed once on the command line, independently of this code:
//   SECRET='lifeline-test-secret-0123456789abcdef'
//   printf '%s' '1767225600.{"a":1}' | openssl dgst -sha256 -hmac "$SECRET"
constexpr char kPinnedSignature[] =
    "v1=c177f8cf54291997963926279282d299472949e5af3a0f6cfa559eb5157ca7aa";

std::string Repeat(char c, size_t n) { return std::string(n, c); }

// The test cases of RFC 4231 section 4 whose output is not truncated.
struct HmacCase {
  const char* name;
  std::string key;
  std::string data;
  const char* hmac_sha256;
};

std::vector<HmacCase> Rfc4231Cases() {
  std::string key4;
  for (char c = 0x01; c <= 0x19; ++c) key4.push_back(c);
  return {
      {"case1", Repeat('\x0b', 20), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"case2", "Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"case3", Repeat('\xaa', 20), Repeat('\xdd', 50),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"case4", key4, Repeat('\xcd', 50),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {"case6", Repeat('\xaa', 131), "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"case7", Repeat('\xaa', 131),
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
}

TEST(HmacSha256HexTest, MatchesRfc4231) {
  for (const HmacCase& c : Rfc4231Cases()) {
    EXPECT_EQ(HmacSha256Hex(c.key, c.data), c.hmac_sha256) << c.name;
  }
}

TEST(HmacSha256HexTest, EmptyKeyAndMessageWork) {
  // openssl dgst -sha256 -hmac '' </dev/null
  EXPECT_EQ(HmacSha256Hex("", ""),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(SignWebhookTest, MatchesPinnedVector) {
  EXPECT_EQ(SignWebhook(kSecret, kTimestamp, kBody), kPinnedSignature);
}

TEST(SignWebhookTest, SignsTimestampAndBody) {
  EXPECT_NE(SignWebhook(kSecret, kTimestamp + 1, kBody), kPinnedSignature);
  EXPECT_NE(SignWebhook(kSecret, kTimestamp, R"({"a":2})"), kPinnedSignature);
  EXPECT_NE(SignWebhook(kOtherSecret, kTimestamp, kBody), kPinnedSignature);
}

// Expects `status` to be Unauthenticated without the secret or the body in its message.
void ExpectUnauthenticated(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
  EXPECT_THAT(status.message(), Not(HasSubstr(kSecret)));
  EXPECT_THAT(status.message(), Not(HasSubstr(kBody)));
}

TEST(VerifyWebhookTest, AcceptsOwnSignature) {
  const std::string timestamp = absl::StrCat(kTimestamp);
  EXPECT_TRUE(VerifyWebhook(kSecret, timestamp, kPinnedSignature, kBody, kTimestamp).ok());
  EXPECT_TRUE(VerifyWebhook(kSecret, " 1767225600 ", absl::StrCat(" ", kPinnedSignature, " "),
                            kBody, kTimestamp)
                  .ok());
  const std::string large_body(1 << 20, 'x');
  EXPECT_TRUE(VerifyWebhook(kSecret, timestamp, SignWebhook(kSecret, kTimestamp, large_body),
                            large_body, kTimestamp)
                  .ok());
}

TEST(VerifyWebhookTest, AcceptsUpperCaseHex) {
  std::string upper = kPinnedSignature;
  for (size_t i = 3; i < upper.size(); ++i) upper[i] = absl::ascii_toupper(upper[i]);
  EXPECT_TRUE(VerifyWebhook(kSecret, "1767225600", upper, kBody, kTimestamp).ok());
}

TEST(VerifyWebhookTest, RefusesTamperedBody) {
  ExpectUnauthenticated(
      VerifyWebhook(kSecret, "1767225600", kPinnedSignature, R"({"a":2})", kTimestamp));
  ExpectUnauthenticated(
      VerifyWebhook(kSecret, "1767225600", kPinnedSignature, R"({"a":1} )", kTimestamp));
  ExpectUnauthenticated(VerifyWebhook(kSecret, "1767225600", kPinnedSignature, "", kTimestamp));
}

TEST(VerifyWebhookTest, RefusesTamperedTimestamp) {
  ExpectUnauthenticated(VerifyWebhook(kSecret, "1767225601", kPinnedSignature, kBody, kTimestamp));
}

TEST(VerifyWebhookTest, RefusesWrongSecret) {
  ExpectUnauthenticated(
      VerifyWebhook(kOtherSecret, "1767225600", kPinnedSignature, kBody, kTimestamp));
}

TEST(VerifyWebhookTest, EmptySecretIsInvalidArgument) {
  // Even a request signed with the empty key is refused: an empty secret is a configuration
  // error, such as a department missing from the secrets file.
  EXPECT_EQ(
      VerifyWebhook("", "1767225600", SignWebhook("", kTimestamp, kBody), kBody, kTimestamp).code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(VerifyWebhookTest, AcceptsTimestampsAtTheEdgesOfTheTolerance) {
  EXPECT_TRUE(VerifyWebhook(kSecret, "1767225600", kPinnedSignature, kBody, kTimestamp + 300).ok());
  EXPECT_TRUE(VerifyWebhook(kSecret, "1767225600", kPinnedSignature, kBody, kTimestamp - 300).ok());
  EXPECT_TRUE(
      VerifyWebhook(kSecret, "1767225600", kPinnedSignature, kBody, kTimestamp + 10, 10).ok());
}

TEST(VerifyWebhookTest, RefusesStaleTimestamp) {
  const absl::Status status =
      VerifyWebhook(kSecret, "1767225600", kPinnedSignature, kBody, kTimestamp + 301);
  ExpectUnauthenticated(status);
  EXPECT_THAT(status.message(), HasSubstr(kWebhookTimestampHeader));
  ExpectUnauthenticated(
      VerifyWebhook(kSecret, "1767225600", kPinnedSignature, kBody, kTimestamp + 11, 10));
}

TEST(VerifyWebhookTest, RefusesFutureTimestamp) {
  ExpectUnauthenticated(
      VerifyWebhook(kSecret, "1767225600", kPinnedSignature, kBody, kTimestamp - 301));
  // A signature made for a far future time must not be usable now, even if correctly signed.
  const int64_t future = kTimestamp + 86400;
  ExpectUnauthenticated(VerifyWebhook(kSecret, absl::StrCat(future),
                                      SignWebhook(kSecret, future, kBody), kBody, kTimestamp));
}

TEST(VerifyWebhookTest, ExtremeClocksDoNotOverflow) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  ExpectUnauthenticated(VerifyWebhook(kSecret, "1767225600", kPinnedSignature, kBody, kMin));
  ExpectUnauthenticated(VerifyWebhook(kSecret, "1767225600", kPinnedSignature, kBody, kMax));
  ExpectUnauthenticated(VerifyWebhook(kSecret, "1767225600", kPinnedSignature, kBody, kMin, kMax));
  EXPECT_TRUE(VerifyWebhook(kSecret, "1767225600", kPinnedSignature, kBody, kMax, kMax).ok());
}

TEST(VerifyWebhookTest, RefusesMalformedTimestamp) {
  for (const char* timestamp : {"", "  ", "abc", "-1767225600", "+1767225600", "1767225600.0",
                                "1.7e9", "1767 225600", "0x69558c80", "1234567890123456789"}) {
    const absl::Status status =
        VerifyWebhook(kSecret, timestamp, kPinnedSignature, kBody, kTimestamp);
    ExpectUnauthenticated(status);
    EXPECT_THAT(status.message(), HasSubstr(kWebhookTimestampHeader)) << timestamp;
  }
}

TEST(VerifyWebhookTest, RefusesMalformedSignatureHeader) {
  const std::string hex = std::string(kPinnedSignature).substr(3);
  const std::vector<std::string> headers = {
      "",
      "   ",
      hex,                          // no version
      "v1",                         // no value
      "=" + hex,                    // no version name
      "v1=" + hex.substr(0, 63),    // one digit short
      "v1=" + hex + "0",            // one digit long
      "v1=" + hex.substr(1) + "g",  // not hex
      "v1=" + hex + ",",            // empty second value
      "v1=" + hex + ";v1=" + hex,   // wrong separator
      "v2=" + hex,                  // no v1 value
      "v1 =" + hex,                 // space inside the version
  };
  for (const std::string& header : headers) {
    const absl::Status status = VerifyWebhook(kSecret, "1767225600", header, kBody, kTimestamp);
    ExpectUnauthenticated(status);
    EXPECT_THAT(status.message(), HasSubstr(kWebhookSignatureHeader)) << header;
  }
}

TEST(VerifyWebhookTest, RefusesTooManyValues) {
  std::vector<std::string> values(8, "v1=" + std::string(64, '0'));
  values.push_back(kPinnedSignature);
  ExpectUnauthenticated(
      VerifyWebhook(kSecret, "1767225600", absl::StrJoin(values, ","), kBody, kTimestamp));
}

TEST(VerifyWebhookTest, IgnoresOtherVersions) {
  const std::string header = absl::StrCat("v0=abc, ", kPinnedSignature, ",v2=zzz");
  EXPECT_TRUE(VerifyWebhook(kSecret, "1767225600", header, kBody, kTimestamp).ok());
}

TEST(VerifyWebhookTest, AcceptsAnyValueDuringRotation) {
  const std::string header = absl::StrCat(SignWebhook(kOtherSecret, kTimestamp, kBody), ", ",
                                          SignWebhook(kSecret, kTimestamp, kBody));
  EXPECT_TRUE(VerifyWebhook(kSecret, "1767225600", header, kBody, kTimestamp).ok());
  EXPECT_TRUE(VerifyWebhook(kOtherSecret, "1767225600", header, kBody, kTimestamp).ok());
  ExpectUnauthenticated(VerifyWebhook("a-third-secret-that-signed-nothing-here", "1767225600",
                                      header, kBody, kTimestamp));
  ExpectUnauthenticated(VerifyWebhook(kSecret, "1767225600", header, "{}", kTimestamp));
}

TEST(VerifyWebhookTest, NegativeToleranceIsInvalidArgument) {
  EXPECT_EQ(VerifyWebhook(kSecret, "1767225600", kPinnedSignature, kBody, kTimestamp, -1).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ReplayGuardTest, RefusesTheSameSignatureTwice) {
  ReplayGuard guard;
  EXPECT_TRUE(guard.CheckAndRemember(kPinnedSignature, kTimestamp, kTimestamp).ok());
  const absl::Status replay = guard.CheckAndRemember(kPinnedSignature, kTimestamp, kTimestamp + 5);
  EXPECT_EQ(replay.code(), absl::StatusCode::kAlreadyExists) << replay;
  EXPECT_EQ(guard.size(), 1u);
}

TEST(ReplayGuardTest, AcceptsDifferentSignatures) {
  ReplayGuard guard;
  // A legitimate retry: the same event and idempotency key, signed again at a later second.
  EXPECT_TRUE(
      guard.CheckAndRemember(SignWebhook(kSecret, kTimestamp, kBody), kTimestamp, kTimestamp).ok());
  EXPECT_TRUE(guard
                  .CheckAndRemember(SignWebhook(kSecret, kTimestamp + 1, kBody), kTimestamp + 1,
                                    kTimestamp + 1)
                  .ok());
  EXPECT_TRUE(
      guard.CheckAndRemember(SignWebhook(kSecret, kTimestamp, "{}"), kTimestamp, kTimestamp + 1)
          .ok());
  EXPECT_EQ(guard.size(), 3u);
}

TEST(ReplayGuardTest, RefusesReplaysWithRewrittenHeader) {
  ReplayGuard guard;
  const std::string first = SignWebhook(kSecret, kTimestamp, kBody);
  const std::string second = SignWebhook(kOtherSecret, kTimestamp, kBody);
  ASSERT_TRUE(
      guard.CheckAndRemember(absl::StrCat(first, ",", second), kTimestamp, kTimestamp).ok());
  for (const std::string& header :
       {first, second, absl::StrCat(second, ", ", first),
        absl::StrCat(first, ",v1=", std::string(64, '0')), absl::StrCat(" ", first, " ")}) {
    EXPECT_EQ(guard.CheckAndRemember(header, kTimestamp, kTimestamp).code(),
              absl::StatusCode::kAlreadyExists)
        << header;
  }
  EXPECT_EQ(guard.size(), 2u);
}

TEST(ReplayGuardTest, RepeatedValueInOneHeaderIsNotAReplay) {
  ReplayGuard guard;
  EXPECT_TRUE(guard
                  .CheckAndRemember(absl::StrCat(kPinnedSignature, ",", kPinnedSignature),
                                    kTimestamp, kTimestamp)
                  .ok());
  EXPECT_EQ(guard.size(), 1u);
}

TEST(ReplayGuardTest, ForgetsSignaturesAfterTheirWindow) {
  ReplayGuard guard(/*tolerance_seconds=*/300);
  ASSERT_TRUE(guard.CheckAndRemember(kPinnedSignature, kTimestamp, kTimestamp).ok());
  // Still refused at the last second VerifyWebhook would accept the request.
  EXPECT_EQ(guard.CheckAndRemember(kPinnedSignature, kTimestamp, kTimestamp + 300).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(guard.size(), 1u);

  // One second later the request is stale: refused as such, and no longer remembered.
  const std::string later = SignWebhook(kSecret, kTimestamp + 301, kBody);
  EXPECT_TRUE(guard.CheckAndRemember(later, kTimestamp + 301, kTimestamp + 301).ok());
  EXPECT_EQ(guard.size(), 1u);
  EXPECT_EQ(guard.CheckAndRemember(kPinnedSignature, kTimestamp, kTimestamp + 301).code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(ReplayGuardTest, RemembersFutureTimestampsUntilTheirWindowEnds) {
  ReplayGuard guard(/*tolerance_seconds=*/300);
  const int64_t ahead = kTimestamp + 200;  // the sender's clock runs 200 s fast
  const std::string header = SignWebhook(kSecret, ahead, kBody);
  ASSERT_TRUE(guard.CheckAndRemember(header, ahead, kTimestamp).ok());
  EXPECT_EQ(guard.CheckAndRemember(header, ahead, ahead + 300).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(guard.CheckAndRemember(header, ahead, ahead + 301).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(guard.size(), 0u);
}

TEST(ReplayGuardTest, RefusesTimestampsOutsideTheWindow) {
  ReplayGuard guard(/*tolerance_seconds=*/300);
  EXPECT_EQ(guard.CheckAndRemember(kPinnedSignature, kTimestamp, kTimestamp - 301).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(guard.CheckAndRemember(kPinnedSignature, kTimestamp, kTimestamp + 301).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(guard.size(), 0u);
}

TEST(ReplayGuardTest, MalformedHeaderIsInvalidArgument) {
  ReplayGuard guard;
  for (const char* header : {"", "v1=abc", "v2=00", "garbage"}) {
    EXPECT_EQ(guard.CheckAndRemember(header, kTimestamp, kTimestamp).code(),
              absl::StatusCode::kInvalidArgument)
        << header;
  }
}

TEST(ReplayGuardTest, RefusesBeyondCapacityUntilEntriesExpire) {
  ReplayGuard guard(/*tolerance_seconds=*/10, /*max_entries=*/2);
  EXPECT_TRUE(
      guard.CheckAndRemember(SignWebhook(kSecret, kTimestamp, "1"), kTimestamp, kTimestamp).ok());
  EXPECT_TRUE(
      guard.CheckAndRemember(SignWebhook(kSecret, kTimestamp, "2"), kTimestamp, kTimestamp).ok());
  EXPECT_EQ(
      guard.CheckAndRemember(SignWebhook(kSecret, kTimestamp, "3"), kTimestamp, kTimestamp).code(),
      absl::StatusCode::kResourceExhausted);
  const int64_t later = kTimestamp + 11;
  EXPECT_TRUE(guard.CheckAndRemember(SignWebhook(kSecret, later, "3"), later, later).ok());
  EXPECT_EQ(guard.size(), 1u);
}

TEST(ReplayGuardTest, ConcurrentReplaysAdmitExactlyOne) {
  ReplayGuard guard;
  std::atomic<int> accepted{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        const std::string header = SignWebhook(kSecret, kTimestamp, absl::StrCat(i));
        const absl::Status status = guard.CheckAndRemember(header, kTimestamp, kTimestamp);
        if (status.ok()) {
          ++accepted;
        } else if (status.code() == absl::StatusCode::kAlreadyExists) {
          ++refused;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(accepted.load(), 100);
  EXPECT_EQ(refused.load(), 700);
  EXPECT_EQ(guard.size(), 100u);
}

class WebhookSecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "webhook_secrets_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `content` to a new file in the test's directory with permissions `mode`.
  std::string Write(const std::string& content, mode_t mode = 0600) {
    const std::string path = absl::StrCat(dir_, "/secrets-", ++files_, ".txt");
    std::ofstream(path, std::ios::binary) << content;
    EXPECT_EQ(chmod(path.c_str(), mode), 0);
    return path;
  }

  std::string dir_;
  int files_ = 0;
};

constexpr char kPoliceSecret[] = "police-secret-0123456789abcdefghijkl";
constexpr char kCivilSecret[] = "civil#affairs/secret+0123456789ABCDEFG=";

TEST_F(WebhookSecretsTest, LoadsGoodFile) {
  const std::string path = Write(absl::StrCat(
      "\xEF\xBB\xBF# Partner webhook secrets. 说明\n", "\n", "police  ", kPoliceSecret, "\n",
      "   # indented comment\n", "civil_affairs_2\t", kCivilSecret, "  \r\n", "   \t\n"));
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> secrets = LoadWebhookSecrets(path);
  ASSERT_TRUE(secrets.ok()) << secrets.status();
  EXPECT_THAT(*secrets, UnorderedElementsAre(Pair("police", kPoliceSecret),
                                             Pair("civil_affairs_2", kCivilSecret)));
}

TEST_F(WebhookSecretsTest, EmptyFileHasNoSecrets) {
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> secrets =
      LoadWebhookSecrets(Write("# none yet\n"));
  ASSERT_TRUE(secrets.ok()) << secrets.status();
  EXPECT_TRUE(secrets->empty());
}

// Expects loading `content` to fail with InvalidArgument naming the file and `line`, without
// quoting any secret of the file.
void ExpectBadLine(const std::string& path, int line) {
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> secrets = LoadWebhookSecrets(path);
  ASSERT_EQ(secrets.status().code(), absl::StatusCode::kInvalidArgument) << secrets.status();
  EXPECT_THAT(secrets.status().message(), HasSubstr(absl::StrCat(path, ":", line, ":")));
  EXPECT_THAT(secrets.status().message(), Not(HasSubstr(kPoliceSecret)));
  EXPECT_THAT(secrets.status().message(), Not(HasSubstr("0123456789")));
}

TEST_F(WebhookSecretsTest, RefusesBadLinesWithTheirLineNumber) {
  const std::string good = absl::StrCat("police ", kPoliceSecret, "\n");
  ExpectBadLine(Write(absl::StrCat("# c\n", good, "\nhealth\n")), 4);
  ExpectBadLine(Write(absl::StrCat(good, "health ", kPoliceSecret, " extra\n")), 2);
  ExpectBadLine(Write(absl::StrCat(kPoliceSecret, " police\n")), 1);
  ExpectBadLine(Write(absl::StrCat("Health ", kPoliceSecret, "\n")), 1);
  ExpectBadLine(Write(absl::StrCat("2health ", kPoliceSecret, "\n")), 1);
  ExpectBadLine(Write(absl::StrCat("health-bureau ", kPoliceSecret, "\n")), 1);
  ExpectBadLine(Write(absl::StrCat("_health ", kPoliceSecret, "\n")), 1);
  ExpectBadLine(Write(absl::StrCat("health ", kPoliceSecret, "\x01\n")), 1);
  ExpectBadLine(Write(absl::StrCat("health ", kPoliceSecret, "\xC3\xA9\n")), 1);
}

TEST_F(WebhookSecretsTest, RefusesShortSecret) {
  const std::string short_secret = "0123456789abcdefghijklmnopqrstu";  // 31 characters
  const std::string path = Write(absl::StrCat("police ", short_secret, "\n"));
  ExpectBadLine(path, 1);
  EXPECT_THAT(LoadWebhookSecrets(path).status().message(), HasSubstr("32"));
  EXPECT_TRUE(LoadWebhookSecrets(Write(absl::StrCat("police ", short_secret, "v\n"))).ok());
}

TEST_F(WebhookSecretsTest, RefusesDuplicateDepartment) {
  const std::string path = Write(absl::StrCat("police ", kPoliceSecret, "\n", "civil ",
                                              kCivilSecret, "\n", "police ", kCivilSecret, "\n"));
  ExpectBadLine(path, 3);
  EXPECT_THAT(LoadWebhookSecrets(path).status().message(), HasSubstr("line 1"));
}

TEST_F(WebhookSecretsTest, RefusesFileOthersMayAccess) {
  const std::string content = absl::StrCat("police ", kPoliceSecret, "\n");
  for (mode_t mode : {0640, 0604, 0620, 0602, 0610, 0601, 0644}) {
    const std::string path = Write(content, mode);
    absl::StatusOr<absl::flat_hash_map<std::string, std::string>> secrets =
        LoadWebhookSecrets(path);
    EXPECT_EQ(secrets.status().code(), absl::StatusCode::kFailedPrecondition) << mode;
    EXPECT_THAT(secrets.status().message(), HasSubstr(path));
    EXPECT_THAT(secrets.status().message(), Not(HasSubstr(kPoliceSecret)));
  }
  EXPECT_TRUE(LoadWebhookSecrets(Write(content, 0400)).ok());
}

TEST_F(WebhookSecretsTest, MissingFileIsNotFound) {
  EXPECT_EQ(LoadWebhookSecrets(dir_ + "/absent.txt").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(WebhookSecretsTest, DirectoryIsRefused) {
  ASSERT_EQ(chmod(dir_.c_str(), 0700), 0);
  EXPECT_EQ(LoadWebhookSecrets(dir_).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace lifeline::common
