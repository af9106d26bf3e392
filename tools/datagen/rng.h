// Deterministic draws on top of std::mt19937_64 whose results do not depend on the standard
// library's distribution implementations (same seed, same bytes, on any toolchain).
#pragma once

#include <cstdint>
#include <random>

#include "absl/numeric/int128.h"

namespace lifeline::datagen {

// Uniform integer in [0, n). n > 0.
inline uint64_t Below(std::mt19937_64& rng, uint64_t n) {
  return absl::Uint128High64(absl::uint128(rng()) * n);
}

// Uniform integer in [lo, hi].
inline int Between(std::mt19937_64& rng, int lo, int hi) {
  return lo + static_cast<int>(Below(rng, static_cast<uint64_t>(hi - lo + 1)));
}

// Uniform double in [0, 1).
inline double Unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
}

// True with probability p.
inline bool Chance(std::mt19937_64& rng, double p) { return Unit(rng) < p; }

}  // namespace lifeline::datagen
