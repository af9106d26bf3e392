#include "tools/datagen/generator.h"

#include <filesystem>
#include <random>
#include <system_error>

#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"
#include "tools/datagen/names.h"
#include "tools/datagen/population.h"
#include "tools/datagen/truth_writer.h"
#include "tools/datagen/world.h"

namespace lifeline::datagen {
namespace {

// Forwards to the output and the truth writer, and counts.
class TeeSink : public RecordSink {
 public:
  TeeSink(RecordSink& output, RecordSink& truth, GeneratorSummary& summary)
      : output_(output), truth_(truth), summary_(summary) {}

  absl::Status Add(const AgencyRecord& record, bool final_version) override {
    RETURN_IF_ERROR(output_.Add(record, final_version));
    RETURN_IF_ERROR(truth_.Add(record, final_version));
    ++summary_.records_sent;
    if (final_version) {
      ++summary_.records_distinct;
      ++summary_.records_by_agency[record.agency];
      for (const std::string& kind : record.noise) ++summary_.noise_by_kind[kind];
    }
    return absl::OkStatus();
  }

 private:
  RecordSink& output_;
  RecordSink& truth_;
  GeneratorSummary& summary_;
};

}  // namespace

absl::StatusOr<GeneratorSummary> Generate(const GeneratorOptions& options,
                                          const std::string& truth_dir, RecordSink& output,
                                          const ProgressFn& progress) {
  if (options.persons < 1 || options.persons > 100'000'000) {
    return absl::InvalidArgumentError(
        absl::StrCat("persons must be between 1 and 100000000, got ", options.persons));
  }
  std::error_code ec;
  std::filesystem::create_directories(truth_dir, ec);
  if (ec)
    return absl::UnavailableError(absl::StrCat("cannot create ", truth_dir, ": ", ec.message()));

  // Separate streams per stage, so that changing one stage does not reshuffle the others.
  std::seed_seq population_seed{options.seed, uint64_t{1}};
  std::seed_seq world_seed{options.seed, uint64_t{2}};
  std::seed_seq noise_seed{options.seed, uint64_t{3}};
  std::mt19937_64 population_rng(population_seed);
  std::mt19937_64 world_rng(world_seed);
  std::mt19937_64 noise_rng(noise_seed);

  const NameGenerator names;
  World world;
  world.population = PopulationBuilder(names).Build(
      options.persons, population_rng,
      [&](int64_t done) { progress("persons", done, options.persons); });
  WorldOptions world_options;
  world_options.persons = options.persons;
  world_options.planted_per_kind = options.planted_per_kind;
  WorldBuilder(world_options).Build(world, world_rng);

  GeneratorSummary summary;
  summary.persons = static_cast<int64_t>(world.population.persons.size());
  summary.households = static_cast<int64_t>(world.population.households.size());
  summary.cases = static_cast<int64_t>(world.cases.size());
  for (size_t i = 0; i < world.eligible.size(); ++i) {
    ++summary.eligible_by_category[CategoryCode(world.eligible[i].category)];
    if (world.eligible_planted[i]) ++summary.eligible_planted;
  }
  for (const PlantedNearMiss& m : world.near_misses) {
    ++summary.near_misses_by_reason[NearMissCode(m.reason)];
  }

  ASSIGN_OR_RETURN(std::unique_ptr<TruthRecordWriter> truth, TruthRecordWriter::Open(truth_dir));
  TeeSink tee(output, *truth, summary);
  RecordEmitter emitter(world, options.noise, noise_rng);
  RETURN_IF_ERROR(
      emitter.EmitAll(tee, [&](int64_t done) { progress("records", done, summary.persons); }));
  RETURN_IF_ERROR(truth->Close());
  RETURN_IF_ERROR(WriteWorldTruth(world, truth_dir));
  return summary;
}

}  // namespace lifeline::datagen
