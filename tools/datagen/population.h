// Builds the synthetic population: households of one to six people with parents, spouses and
// children, ages with a plausible pyramid, registered in the counties of one province, with
// valid and unique 18-digit ID numbers (some minors have none on file), phones and addresses.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "tools/datagen/model.h"
#include "tools/datagen/names.h"

namespace lifeline::datagen {

// The reference date of the generated world: ages, case dates and record dates are before it.
inline constexpr Date kReferenceDate{2025, 6, 30};

struct Population {
  std::vector<Person> persons;        // persons[i].id == i + 1
  std::vector<Household> households;  // households[i].id == i + 1
  std::vector<Relation> relations;    // parent / child / spouse, both directions

  Person& person(int64_t id) { return persons[static_cast<size_t>(id - 1)]; }
  const Person& person(int64_t id) const { return persons[static_cast<size_t>(id - 1)]; }
  Household& household_of(const Person& p) {
    return households[static_cast<size_t>(p.household - 1)];
  }
  const Household& household_of(const Person& p) const {
    return households[static_cast<size_t>(p.household - 1)];
  }
};

// Returns the days in `month` of `year`.
int DaysInMonth(int year, int month);
// Returns whole years between `birth` and `on`.
int AgeOn(const Date& birth, const Date& on);
// Returns a valid 18-character ID number for the parts, the check character computed.
std::string MakeIdNumber(const std::string& region, const Date& birth, int sequence);

// Generates `count` persons (rounded up to whole households). `progress(done)` is called now and
// then with the number of persons made so far. Deterministic for a given rng state.
class PopulationBuilder {
 public:
  explicit PopulationBuilder(const NameGenerator& names) : names_(names) {}
  Population Build(int64_t count, std::mt19937_64& rng,
                   const std::function<void(int64_t)>& progress) const;

 private:
  const NameGenerator& names_;
};

}  // namespace lifeline::datagen
