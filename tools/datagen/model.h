// The synthetic world lifeline-datagen builds: persons in households, criminal cases, and the
// records each agency would hold about them, with the truth (who each record really is about)
// kept beside every record. Plain C++ plus the lifeline.records.v1 messages the records travel in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lifeline/records/v1/records.pb.h"

namespace lifeline::datagen {

// A calendar date; the generator only makes real ones (noise may damage their text later).
struct Date {
  int year = 0;
  int month = 0;
  int day = 0;
  // "YYYY-MM-DD".
  std::string ToString() const;
  // "YYYYMMDD", as inside an ID number.
  std::string Compact() const;
};

enum class Sex { kMale = 1, kFemale = 2 };

// One true person. `id` is the truth person id (1-based, dense); every agency record of this
// person names it in the truth files.
struct Person {
  int64_t id = 0;
  int64_t household = 0;  // index into World::households
  std::string name;       // clean, simplified characters
  int surname_bytes = 0;  // the surname is name.substr(0, surname_bytes)
  Sex sex = Sex::kMale;
  Date birth;
  std::string region_code;  // 6-digit county-level code of the household registration
  std::string id_number;    // clean 18-character number; empty for a minor without one on file
  std::string phone;        // 11 digits; empty when none is known
  std::string address;      // current address (Chinese, village or street level)
  std::string old_address;  // an earlier address; agencies with stale data print this one
  bool rural = false;
  bool alive = true;
  int64_t father = 0;  // person id, 0 when unknown / not in the population
  int64_t mother = 0;
  int64_t spouse = 0;
};

// A household: one registration booklet (户口簿). `head` is a person id.
struct Household {
  int64_t id = 0;    // 1-based
  std::string code;  // "HH-<region>-<n>", as agencies print it
  std::string region_code;
  bool rural = false;
  int64_t head = 0;
  std::vector<int64_t> members;
};

// Why a planted case is, or is not, a clue (DOMAIN.md categories and Art. 8 exclusions).
enum class EligibleCategory {
  kSeriousInjury = 1,      // cat. 1: victim seriously injured / severely disabled
  kUrgentTreatment = 2,    // cat. 2: victim needs urgent treatment they cannot pay for
  kDependantOfKilled = 3,  // cat. 3: near relative who depended on a killed victim
  kPropertyLoss = 4,       // cat. 4: major property loss
  kCivilTort = 5,          // cat. 6: injured (or bereaved) by a traffic accident or other tort
};

enum class NearMissReason {
  kCompensationPaid = 1,  // the offender paid the judgment in full
  kAlreadyAssisted = 2,   // judicial assistance already granted for this case
  kVictimMajorFault = 3,  // the victim bore major fault
  kNoHardship = 4,        // no hardship record anywhere
  kMinorInjuryOnly = 5,   // only a minor injury
};

// Payload oneof field name of a record ("social_assistance", ...); "" for none.
const char* PayloadKind(const lifeline::records::v1::Record& record);

// Stable lower_snake codes used in the truth files and by `lifeline eval`.
const char* CategoryCode(EligibleCategory category);
const char* NearMissCode(NearMissReason reason);

// A person the generator planted as eligible: `signals` are the hardship signals their records
// show ("rural_minimum_living", "disability_grade_2", ...).
struct PlantedEligible {
  int64_t person_id = 0;
  EligibleCategory category = EligibleCategory::kSeriousInjury;
  std::string case_number;
  int64_t victim_person_id = 0;
  std::vector<std::string> signals;
};

struct PlantedNearMiss {
  int64_t person_id = 0;
  NearMissReason reason = NearMissReason::kNoHardship;
  std::string case_number;
};

// A true family relation, from households and case files.
struct Relation {
  int64_t person_id = 0;
  int64_t relative_id = 0;
  std::string relation;  // "parent", "child", "spouse" (relative is the person's ...)
};

// One record as an agency sends it, after noise, with the truth attached.
struct AgencyRecord {
  std::string agency;     // agency code, e.g. "civil_affairs"
  int64_t person_id = 0;  // truth
  lifeline::records::v1::Record record;
  // Noise kinds applied to this record (NoiseKindCode values), in the order applied.
  std::vector<std::string> noise;
  // What happened to the ID number: "ok", "none" (no number on file), "missing" (dropped by
  // noise), "legacy15", "bad_check", "spreadsheet", "repairable" (full-width,
  // spaces or lower-case x: still the true number after repair).
  std::string id_status = "ok";
};

}  // namespace lifeline::datagen
