#include "common/auth/key_file.h"

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"

#include "common/testing/process.h"
#include "common/testing/test_pki.h"
#include <unistd.h>

namespace lifeline::common {
using testing::MakeRsaKeyPair;
using testing::TempDir;

namespace {

const std::string kHex64(64, 'a');

void Write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

TEST(KeyFileTest, ParsesHmacAndRsaKeysInOrder) {
  TempDir dir;
  auto pair = MakeRsaKeyPair();
  ASSERT_TRUE(pair.ok());
  Write(dir.path() + "/idp.pub.pem", pair->public_pem);
  auto keys = ParseKeyFile("# comment\n\nnew HS256 hex:" + kHex64 + "\n  idp RS256 idp.pub.pem\n",
                           dir.path(), "keys");
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].id, "new");
  EXPECT_EQ((*keys)[0].secret, std::string(32, '\xaa'));
  EXPECT_EQ((*keys)[1].algorithm, JwtAlgorithm::kRs256);
}

TEST(KeyFileTest, NamesTheBadLineNeverTheSecret) {
  auto expect_error = [](const std::string& text, const std::string& message) {
    auto keys = ParseKeyFile(text, "", "keys");
    ASSERT_FALSE(keys.ok()) << text;
    EXPECT_EQ(keys.status().message(), message);
  };
  expect_error("a HS256 hex:" + kHex64 + "\nb HS256\n",
               "keys line 2: expected \"<id> <HS256|RS256> <material>\"");
  expect_error("a HS256 hex:abcd\n",
               "keys line 1: an HS256 secret needs at least 32 bytes (64 hex digits)");
  expect_error("a HS256 hex:" + std::string(64, 'z') + "\n",
               "keys line 1: the HS256 secret is not hex");
  expect_error("a HS256 " + kHex64 + "\n", "keys line 1: an HS256 secret is hex:<digits>");
  expect_error("a HS512 hex:" + kHex64 + "\n", "keys line 1: the algorithm must be HS256 or RS256");
  expect_error("a HS256 hex:" + kHex64 + "\na HS256 hex:" + kHex64 + "\n",
               "keys line 2: key id a repeats");
  expect_error("# nothing\n", "keys holds no key");
  EXPECT_EQ(ParseKeyFile("a RS256 /nonexistent.pem\n", "", "keys").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(KeyFileTest, ReloadsAChangedFileAndKeepsTheOldKeysOnABadOne) {
  TempDir dir;
  const std::string path = dir.path() + "/caller.keys";
  Write(path, "old HS256 hex:" + kHex64 + "\n");
  auto file = ReloadingKeyFile::Open(path, absl::ZeroDuration());
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->Keys()->front().id, "old");

  Write(path, "new HS256 hex:" + std::string(64, 'b') + "\nold HS256 hex:" + kHex64 + "\n");
  auto keys = (*file)->Keys();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ(keys->front().id, "new");

  Write(path, "broken\n");
  EXPECT_EQ((*file)->Keys()->size(), 2u);
  EXPECT_FALSE(ReloadingKeyFile::Open(dir.path() + "/missing.keys").ok());
}

}  // namespace
}  // namespace lifeline::common
