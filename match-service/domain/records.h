// Reading the records match-service keeps: lifeline.records.v1.NormalizedRecord as ingest sent
// it. These helpers answer what several rules ask of any record.
#pragma once

#include <string>
#include <string_view>

#include "lifeline/records/v1/records.pb.h"

namespace lifeline::match {

using records::v1::NormalizedPerson;
using records::v1::NormalizedRecord;
using records::v1::Record;

// Returns the criminal case number the record belongs to, or "" for kinds without one.
const std::string& CaseNumberOf(const NormalizedRecord& record);

// True for a record that can found a clue: a criminal victim's, a near relative's, or a civil
// case of the person's own (a civil judgment): the kinds (10, 11, 13) the store's records_basis
// index, BasisCasesOf and ScorablePersons name.
bool CanFoundClue(const NormalizedRecord& record);

// Returns the payload kind's name, the oneof field name ("criminal_victim"); "unspecified" when
// the record carries none (a retraction).
std::string_view KindName(Record::PayloadCase kind);

// Fills the empty fields of `best` from `from` (the best-known identity among a person's
// records, most recent first).
void MergePerson(const NormalizedPerson& from, NormalizedPerson* best);

}  // namespace lifeline::match
