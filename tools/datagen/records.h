// Turns the world's facts into the records each agency would send, with noise, and hands them
// to a sink (files, the truth writer, a test).
#pragma once

#include <cstdint>
#include <functional>
#include <random>

#include "absl/status/status.h"

#include "tools/datagen/model.h"
#include "tools/datagen/noise.h"
#include "tools/datagen/world.h"

namespace lifeline::datagen {

// Receives records in emission order. `final_version` is false for a duplicate resend or an
// older version that a later record (same agency and source_record_id) replaces.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual absl::Status Add(const AgencyRecord& record, bool final_version) = 0;
};

// Emits every agency's records for `world`. Not thread-safe. Errors: whatever the sink returns.
class RecordEmitter {
 public:
  RecordEmitter(const World& world, const NoiseConfig& noise, std::mt19937_64& rng)
      : world_(world), noise_(noise, rng), rng_(rng) {}

  // `progress(persons_done)` is called now and then while hardship records are emitted.
  absl::Status EmitAll(RecordSink& sink, const std::function<void(int64_t)>& progress);

 private:
  absl::Status EmitCases(RecordSink& sink);
  // The procuratorate's record of the assistance granted for victim `index` of `c`.
  absl::Status EmitAssistance(RecordSink& sink, const CaseFacts& c, const CaseVictim& v,
                              size_t index);
  absl::Status EmitHardship(RecordSink& sink, const Person& p, const Hardship& h);
  // Fills the person part as `agency` holds it, applies noise, sends (with any duplicate or
  // older version).
  absl::Status Send(RecordSink& sink, const char* agency, const Person& p, AgencyRecord rec);

  const World& world_;
  NoiseApplier noise_;
  std::mt19937_64& rng_;
  int64_t counter_ = 0;
};

}  // namespace lifeline::datagen
