#include "common/identity/name_normalizer.h"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace lifeline::common {
namespace {

class NameNormalizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<NameNormalizer>> created = NameNormalizer::Create();
    ASSERT_TRUE(created.ok()) << created.status();
    normalizer_ = std::move(*created);
  }

  std::unique_ptr<NameNormalizer> normalizer_;
};

TEST_F(NameNormalizerTest, NormalizeGivesBothFormsInOnePass) {
  NormalizedName name = normalizer_->Normalize("劉　德華");
  EXPECT_EQ(name.normalized, "刘德华");
  EXPECT_EQ(name.pinyin, "liu de hua");
  EXPECT_EQ(normalizer_->NormalizeName("劉　德華"), name.normalized);
  EXPECT_EQ(normalizer_->Pinyin("劉　德華"), name.pinyin);
}

TEST_F(NameNormalizerTest, RepeatedCallsUseTheCacheAndAgree) {
  const std::string first = normalizer_->Pinyin("張偉");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(normalizer_->Pinyin("張偉"), first);
  EXPECT_EQ(first, "zhang wei");
}

TEST_F(NameNormalizerTest, HanBeyondTheBasicBlocks) {
  // U+20000 (CJK Extension B) and U+3007 IDEOGRAPHIC NUMBER ZERO are Han: one token each.
  const NormalizedName name = normalizer_->Normalize("\xF0\xA0\x80\x80\xE3\x80\x87");
  EXPECT_EQ(name.normalized, "\xF0\xA0\x80\x80\xE3\x80\x87");
  EXPECT_EQ(name.pinyin, "he ling");
}

TEST_F(NameNormalizerTest, OtherScriptsPassThroughCaseFolded) {
  EXPECT_EQ(normalizer_->Pinyin("José"), "jos\xC3\xA9");
  EXPECT_EQ(normalizer_->NormalizeName("ИВАН"), "иван");
}

TEST_F(NameNormalizerTest, InvalidUtf8YieldsEmpty) {
  const NormalizedName name = normalizer_->Normalize("张\xC0\xAF");
  EXPECT_EQ(name.normalized, "");
  EXPECT_EQ(name.pinyin, "");
}

TEST_F(NameNormalizerTest, ConcurrentCallsAgree) {
  const std::vector<std::string> names = {"張偉",   "劉德華", "阿依古丽·买买提", "陈德福", "趙麗穎",
                                          "黃曉明", "吕",     "李Ming"};
  std::vector<std::string> want;
  {
    absl::StatusOr<std::unique_ptr<NameNormalizer>> reference = NameNormalizer::Create();
    ASSERT_TRUE(reference.ok());
    for (const std::string& name : names) want.push_back((*reference)->Pinyin(name));
  }
  std::vector<std::vector<std::string>> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round) {
        for (const std::string& name : names) got[t].push_back(normalizer_->Pinyin(name));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::vector<std::string>& results : got) {
    ASSERT_EQ(results.size(), names.size() * 50);
    for (size_t i = 0; i < results.size(); ++i) EXPECT_EQ(results[i], want[i % names.size()]);
  }
}

TEST(NameNormalizerCreateTest, MissingOpenCcConfigIsUnavailable) {
  absl::StatusOr<std::unique_ptr<NameNormalizer>> created =
      NameNormalizer::Create({.opencc_config = "/nonexistent/t2s.json"});
  EXPECT_EQ(created.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace lifeline::common
