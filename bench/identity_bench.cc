// Throughput of the identity basics every record goes through at ingest: ID-number parsing,
// keyed tokens, name and phone normalization. Inputs are generated, never real.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/identity/id_number.h"
#include "common/identity/id_token.h"
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

void BM_NormalizePhone(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(lifeline::common::NormalizePhone("+86 139-0000-0457"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NormalizePhone);

}  // namespace
