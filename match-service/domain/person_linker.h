// Decides which person a record belongs to. Today: the same valid ID token is the same person at
// once, and a record without a token is a person of its own (kept across its versions). The
// identity-resolution work fills this seam with probabilistic linking. Pure; thread-safe.
#pragma once

#include <string>

#include "match-service/domain/records.h"

namespace lifeline::match {

// Link reasons.
inline constexpr char kLinkIdToken[] = "id_token";
inline constexpr char kLinkSingleton[] = "singleton";
inline constexpr char kLinkRetracted[] = "retracted";

// What the store knows that a link decision needs.
struct LinkContext {
  // The person an earlier version of the record is linked to; "" for a new record.
  std::string current_person_id;
  // Whether that person has no ID token (a singleton).
  bool current_person_is_singleton = false;
  // The person that already holds the record's ID token; "" when none does.
  std::string token_person_id;
};

struct LinkDecision {
  // The person to link to; "" means a new person (holding the record's ID token, if any).
  std::string person_id;
  std::string reason;
};

class PersonLinker {
 public:
  // Returns the person `person` (a record's normalized person) belongs to.
  LinkDecision Link(const NormalizedPerson& person, const LinkContext& context) const;
};

}  // namespace lifeline::match
