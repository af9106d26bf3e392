// Throughput of the identity basics every record goes through at ingest: ID-number parsing,
// keyed tokens, name and phone normalization. Inputs are generated, never real.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/identity/id_number.h"
#include "common/identity/id_token.h"
#include "common/identity/name_normalizer.h"
#include "common/identity/normalize.h"

namespace {

std::vector<std::string> MakeIdNumbers(int n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    std::string first17 = "341523" + std::to_string(1950 + i % 60) + "0" +
                          std::to_string(1 + i % 9) + std::to_string(10 + i % 18) +
                          std::to_string(100 + i % 900);
    out.push_back(first17 + lifeline::common::IdCheckCharacter(first17));
  }
  return out;
}

void BM_ParseIdNumber(benchmark::State& state) {
  auto ids = MakeIdNumbers(1024);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(lifeline::common::ParseIdNumber(ids[i++ & 1023]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseIdNumber);

void BM_ParseIdNumberFullWidth(benchmark::State& state) {
  const std::string id = "３４１５２３１９６４０８１１１６４３";
  for (auto _ : state) benchmark::DoNotOptimize(lifeline::common::ParseIdNumber(id));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseIdNumberFullWidth);

void BM_IdToken(benchmark::State& state) {
  auto tokenizer = lifeline::common::IdTokenizer::Create("bench-secret-0123456789abcdef");
  auto ids = MakeIdNumbers(1024);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(tokenizer->Token(ids[i++ & 1023]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IdToken);

void BM_NormalizeName(benchmark::State& state) {
  const std::vector<std::string> names = {"李 秀兰", "阿卜杜·热合曼", "ＺＨＡＮＧ　Ｗｅｉ",
                                          "陈德福"};
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(lifeline::common::NormalizeName(names[i++ & 3]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NormalizeName);

// Names as agencies send them: traditional characters, spacing, dots, zero-width characters.
const std::vector<std::string>& MessyNames() {
  static const std::vector<std::string> names = {
      "劉德華", "張 偉", "陳\u200B德福", "阿依古丽·买买提", "趙麗穎", "黃曉明", "吳　秀蘭", "王芳"};
  return names;
}

void BM_NormalizeNameTraditional(benchmark::State& state) {
  const std::vector<std::string>& names = MessyNames();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(lifeline::common::NormalizeName(names[i++ % names.size()]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NormalizeNameTraditional);

void BM_NamePinyin(benchmark::State& state) {
  const std::vector<std::string>& names = MessyNames();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(lifeline::common::NamePinyin(names[i++ % names.size()]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NamePinyin);

// Both forms in one pass, as ingest computes them: the figure against the 200,000 names/s target.
void BM_NameNormalizeAndPinyin(benchmark::State& state) {
  const lifeline::common::NameNormalizer& normalizer = lifeline::common::DefaultNameNormalizer();
  const std::vector<std::string>& names = MessyNames();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(normalizer.Normalize(names[i++ % names.size()]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NameNormalizeAndPinyin);

void BM_NormalizePhone(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(lifeline::common::NormalizePhone("+86 139-0000-0457"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NormalizePhone);

// The identity part of validating and normalizing one record (what RecordValidator does per
// person, without ingest's field walk): ID number parsed, tokenized and masked, name normalized
// with pinyin, phone normalized.
void BM_IdentityPerRecord(benchmark::State& state) {
  auto tokenizer = lifeline::common::IdTokenizer::Create("bench-secret-0123456789abcdef");
  const lifeline::common::NameNormalizer& normalizer = lifeline::common::DefaultNameNormalizer();
  auto ids = MakeIdNumbers(1024);
  const std::vector<std::string>& names = MessyNames();
  size_t i = 0;
  for (auto _ : state) {
    const std::string& id = ids[i & 1023];
    lifeline::common::ParsedIdNumber parsed = lifeline::common::ParseIdNumber(id);
    benchmark::DoNotOptimize(tokenizer->Token(parsed.canonical));
    benchmark::DoNotOptimize(lifeline::common::MaskIdNumber(parsed.canonical));
    benchmark::DoNotOptimize(normalizer.Normalize(names[i % names.size()]));
    benchmark::DoNotOptimize(lifeline::common::NormalizePhone("+86 139-0000-0457"));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IdentityPerRecord);

}  // namespace
