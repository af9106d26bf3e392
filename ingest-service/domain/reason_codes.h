// Stable reason codes for problems found in submitted records. Agencies see them in
// RecordIssue.reason and may key on them; never rename one. The table with severities is in
// ingest-service/README.md. A resident ID number that is not valid is a warning with the code of
// common::IdNumberProblemCode ("ID_BAD_LENGTH", "ID_CHECK_DIGIT", ...): the record is kept and
// the number is only compared as "near", never as an identifier.
#pragma once

namespace lifeline::ingest::reason {

// Rejections (severity ERROR).
inline constexpr char kMissingField[] = "MISSING_FIELD";
inline constexpr char kNameMissing[] = "NAME_MISSING";
inline constexpr char kPayloadMissing[] = "PAYLOAD_MISSING";
inline constexpr char kPayloadNotAllowed[] = "PAYLOAD_NOT_ALLOWED";
inline constexpr char kVersionNegative[] = "VERSION_NEGATIVE";
inline constexpr char kVersionConflict[] = "VERSION_CONFLICT";
inline constexpr char kDateInvalid[] = "DATE_INVALID";
inline constexpr char kDateInFuture[] = "DATE_IN_FUTURE";
inline constexpr char kDateOutOfRange[] = "DATE_OUT_OF_RANGE";
inline constexpr char kDateRange[] = "DATE_RANGE";
inline constexpr char kAmountNegative[] = "AMOUNT_NEGATIVE";
inline constexpr char kAmountPaidExceedsAwarded[] = "AMOUNT_PAID_EXCEEDS_AWARDED";
inline constexpr char kValueOutOfRange[] = "VALUE_OUT_OF_RANGE";
inline constexpr char kEnumUnknown[] = "ENUM_UNKNOWN";
inline constexpr char kTextTooLong[] = "TEXT_TOO_LONG";

// Warnings (severity WARNING): the record is kept.
inline constexpr char kIdMissing[] = "ID_MISSING";
inline constexpr char kIdRepaired[] = "ID_REPAIRED";
inline constexpr char kIdUpgraded15[] = "ID_UPGRADED_15";
inline constexpr char kIdNotResident[] = "ID_NOT_RESIDENT";
inline constexpr char kBirthDateMismatch[] = "BIRTH_DATE_MISMATCH";
inline constexpr char kBirthDateInvalid[] = "BIRTH_DATE_INVALID";
inline constexpr char kSexMismatch[] = "SEX_MISMATCH";
inline constexpr char kPhoneInvalid[] = "PHONE_INVALID";
// A free-text field held an ID-number-like run of digits, masked before storage (warning).
inline constexpr char kIdNumberInText[] = "ID_NUMBER_IN_TEXT";
inline constexpr char kRegionCodeInvalid[] = "REGION_CODE_INVALID";
inline constexpr char kRetractionUnknown[] = "RETRACTION_UNKNOWN";

}  // namespace lifeline::ingest::reason
