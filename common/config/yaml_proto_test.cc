#include "common/config/yaml_proto.h"

#include <cmath>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "absl/status/status.h"

#include "common/testing/process.h"
#include "lifeline/match/v1/match_config.pb.h"
#include "lifeline/records/v1/records.pb.h"
#include "lifeline/referral/v1/referral_service.pb.h"

namespace lifeline::common {
namespace {

using ::lifeline::match::v1::EligibilityConfig;
using ::lifeline::records::v1::Record;
using ::lifeline::referral::v1::ListPartnersResponse;
using ::lifeline::referral::v1::Partner;

TEST(YamlProtoTest, ParsesScalarsOfEveryKind) {
  Partner partner;
  absl::Status status = ParseYamlToProto(R"(
department: legal_aid
display_name: "County legal aid centre"
inbox_target: dns:///legal-aid.example:443
respond_within_days: 5
enabled: true
)",
                                         "partners.yaml", &partner);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(partner.department(), "legal_aid");
  EXPECT_EQ(partner.display_name(), "County legal aid centre");
  EXPECT_EQ(partner.inbox_target(), "dns:///legal-aid.example:443");
  EXPECT_EQ(partner.respond_within_days(), 5);
  EXPECT_TRUE(partner.enabled());
}

TEST(YamlProtoTest, AcceptsCamelCaseKeys) {
  Partner partner;
  ASSERT_TRUE(ParseYamlToProto("displayName: x\nrespondWithinDays: 3\n", "p.yaml", &partner).ok());
  EXPECT_EQ(partner.display_name(), "x");
  EXPECT_EQ(partner.respond_within_days(), 3);
}

TEST(YamlProtoTest, NumberLikeScalarsStayStringsForStringFields) {
  Record record;
  absl::Status status = ParseYamlToProto(R"(
source_record_id: 000123
version: 2
person:
  region_code: 341523
  phone: 13800138000
  name: true
  id_type: ID_TYPE_RESIDENT_ID
  sex: SEX_FEMALE
)",
                                         "record.yaml", &record);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(record.source_record_id(), "000123");
  EXPECT_EQ(record.version(), 2);
  EXPECT_EQ(record.person().region_code(), "341523");
  EXPECT_EQ(record.person().phone(), "13800138000");
  EXPECT_EQ(record.person().name(), "true");
  EXPECT_EQ(record.person().id_type(), lifeline::records::v1::ID_TYPE_RESIDENT_ID);
  EXPECT_EQ(record.person().sex(), lifeline::records::v1::SEX_FEMALE);
}

TEST(YamlProtoTest, RepeatedMessagesFromSequences) {
  ListPartnersResponse response;
  absl::Status status = ParseYamlToProto(R"(
partners:
  - department: legal_aid
    respond_within_days: 5
  - department: counselling
    enabled: false
)",
                                         "partners.yaml", &response);
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(response.partners_size(), 2);
  EXPECT_EQ(response.partners(0).department(), "legal_aid");
  EXPECT_EQ(response.partners(1).department(), "counselling");
  EXPECT_FALSE(response.partners(1).enabled());
}

TEST(YamlProtoTest, MapsNestedMessagesAndDoubles) {
  EligibilityConfig config;
  absl::Status status = ParseYamlToProto(R"(
monthly_wage_fen: 812345
max_months: 36
base_scores:
  serious_injury: 0.8
  urgent_treatment: 1
hardship_weights:
  low_income: 1.5
  disability: 2
default_hardship_weight: .inf
)",
                                         "eligibility.yaml", &config);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(config.monthly_wage_fen(), 812345);
  EXPECT_EQ(config.max_months(), 36);
  EXPECT_DOUBLE_EQ(config.base_scores().serious_injury(), 0.8);
  EXPECT_DOUBLE_EQ(config.base_scores().urgent_treatment(), 1.0);
  ASSERT_EQ(config.hardship_weights().size(), 2u);
  EXPECT_DOUBLE_EQ(config.hardship_weights().at("low_income"), 1.5);
  EXPECT_DOUBLE_EQ(config.hardship_weights().at("disability"), 2.0);
  EXPECT_TRUE(std::isinf(config.default_hardship_weight()));
}

TEST(YamlProtoTest, EmptyDocumentAndNullsLeaveDefaults) {
  Partner partner;
  partner.set_department("stale");
  ASSERT_TRUE(ParseYamlToProto("", "p.yaml", &partner).ok());
  EXPECT_EQ(partner.department(), "");
  ASSERT_TRUE(ParseYamlToProto("department:\nenabled: ~\n", "p.yaml", &partner).ok());
  EXPECT_EQ(partner.department(), "");
  EXPECT_FALSE(partner.enabled());
}

TEST(YamlProtoTest, UnknownKeysAreRejectedWithTheirPath) {
  ListPartnersResponse response;
  absl::Status status = ParseYamlToProto(R"(
partners:
  - department: legal_aid
    respond_within_dayz: 5
)",
                                         "partners.yaml", &response);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(status.message()),
            "partners.yaml: unknown key 'partners[0].respond_within_dayz' (line 4)");
  EXPECT_EQ(response.partners_size(), 0);  // cleared on error

  Record record;
  status = ParseYamlToProto("person:\n  nmae: x\n", "r.yaml", &record);
  EXPECT_NE(std::string(status.message()).find("r.yaml: unknown key 'person.nmae'"),
            std::string::npos)
      << status;
}

TEST(YamlProtoTest, TypeErrorsAreAllReported) {
  Record record;
  absl::Status status = ParseYamlToProto(R"(
version: two
person:
  sex: SEX_UNKNOWN_VALUE
  id_type: [1, 2]
criminal_victim:
  disability_grade: 1.5
  needs_urgent_treatment: yes
  property_loss_fen: 99999999999999999999
  criminal_case: plain
)",
                                         "r.yaml", &record);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  const std::string message(status.message());
  EXPECT_NE(message.find("key 'version': expected an integer, got \"two\""), std::string::npos)
      << message;
  EXPECT_NE(message.find("key 'person.sex': unknown Sex value \"SEX_UNKNOWN_VALUE\""),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("key 'person.id_type': expected a value name of IdType"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("key 'criminal_victim.disability_grade': expected an integer"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("key 'criminal_victim.needs_urgent_treatment': expected true or false"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("key 'criminal_victim.property_loss_fen': expected an integer"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("key 'criminal_victim.criminal_case': expected a mapping"),
            std::string::npos)
      << message;
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 6) << message;
}

TEST(YamlProtoTest, Int32RangeIsChecked) {
  Partner partner;
  absl::Status status = ParseYamlToProto("respond_within_days: 3000000000\n", "p.yaml", &partner);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

TEST(YamlProtoTest, RepeatedFieldNeedsASequenceAndMessageNeedsAMapping) {
  ListPartnersResponse response;
  EXPECT_EQ(ParseYamlToProto("partners: legal_aid\n", "p.yaml", &response).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseYamlToProto("- a\n- b\n", "p.yaml", &response).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(YamlProtoTest, OnlyOneMemberOfAOneof) {
  Record record;
  absl::Status status =
      ParseYamlToProto("criminal_victim: {}\nnear_relative: {}\n", "r.yaml", &record);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(status.message()).find("only one field of 'payload'"), std::string::npos)
      << status;
  ASSERT_TRUE(ParseYamlToProto("criminal_victim: {}\n", "r.yaml", &record).ok());
  EXPECT_TRUE(record.has_criminal_victim());
}

TEST(YamlProtoTest, DuplicateKeysAreRejected) {
  Partner partner;
  absl::Status status = ParseYamlToProto("department: a\ndepartment: b\n", "p.yaml", &partner);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EligibilityConfig config;
  status = ParseYamlToProto("hardship_weights:\n  a: 1\n  a: 2\n", "e.yaml", &config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
}

TEST(YamlProtoTest, SyntaxErrorsNameSourceAndLine) {
  Partner partner;
  absl::Status status =
      ParseYamlToProto("department: legal_aid\ndisplay_name: [unclosed\n", "bad.yaml", &partner);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(status.message()).rfind("bad.yaml: YAML syntax error at line ", 0), 0u)
      << status;
}

TEST(YamlProtoTest, LoadYamlProtoReadsFiles) {
  const testing::TempDir dir;
  const std::string path = dir.path() + "/partner.yaml";
  std::ofstream(path) << "department: civil_affairs\nenabled: true\n";
  Partner partner;
  ASSERT_TRUE(LoadYamlProto(path, &partner).ok());
  EXPECT_EQ(partner.department(), "civil_affairs");
  std::ofstream(path) << "departmnt: civil_affairs\n";
  absl::Status status = LoadYamlProto(path, &partner);
  EXPECT_NE(std::string(status.message()).find(path + ": unknown key 'departmnt'"),
            std::string::npos)
      << status;
  EXPECT_EQ(LoadYamlProto(dir.path() + "/missing.yaml", &partner).code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace lifeline::common
