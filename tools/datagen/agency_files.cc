#include "tools/datagen/agency_files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <tuple>
#include <utility>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <yaml-cpp/yaml.h>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

#include "common/csv/csv_writer.h"
#include "tools/datagen/model.h"

namespace lifeline::datagen {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using ingest::v1::AgencyMapping;
using records::v1::Record;

constexpr size_t kFlushBytes = 1 << 20;
constexpr size_t kConvertBytes = 256 << 10;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

absl::string_view Absl(std::string_view text) { return {text.data(), text.size()}; }

using Values = std::vector<std::pair<const char*, const char*>>;

struct ColumnSpec {
  const char* header;
  const char* field;
  Values values = {};
  bool yuan = false;
};

AgencyMapping Make(const char* agency, const char* kind, const char* encoding,
                   const std::vector<ColumnSpec>& columns) {
  AgencyMapping mapping;
  mapping.set_agency(agency);
  mapping.set_kind(kind);
  mapping.set_encoding(encoding);
  for (const ColumnSpec& spec : columns) {
    AgencyMapping::Column* column = mapping.add_columns();
    column->set_header(spec.header);
    column->set_field(spec.field);
    for (const auto& [wording, value] : spec.values) (*column->mutable_values())[wording] = value;
    if (spec.yuan) column->set_unit(ingest::v1::AMOUNT_UNIT_YUAN);
  }
  return mapping;
}

// Wordings shared by several agencies.
const Values kSex = {{"男", "SEX_MALE"}, {"女", "SEX_FEMALE"}};
const Values kYesNo = {{"是", "true"}, {"否", "false"}};
const Values kIdType = {{"居民身份证", "ID_TYPE_RESIDENT_ID"},
                        {"护照", "ID_TYPE_PASSPORT"},
                        {"港澳居民来往内地通行证", "ID_TYPE_HK_MACAO_PERMIT"},
                        {"台湾居民来往大陆通行证", "ID_TYPE_TAIWAN_PERMIT"},
                        {"外国人永久居留身份证", "ID_TYPE_FOREIGN_PERMANENT_RESIDENT"},
                        {"其他证件", "ID_TYPE_OTHER"},
                        {"无", "ID_TYPE_NONE"}};
const Values kGrade = {{"一级", "1"}, {"二级", "2"}, {"三级", "3"}, {"四级", "4"}};
// A court's injury appraisal (人体损伤致残程度分级): the certificate's four grades and six more, or
// none.
Values AppraisalGrades() {
  Values grades = kGrade;
  grades.insert(grades.end(), {{"五级", "5"},
                               {"六级", "6"},
                               {"七级", "7"},
                               {"八级", "8"},
                               {"九级", "9"},
                               {"十级", "10"},
                               {"无", "0"}});
  return grades;
}

// The procuratorate's case system: one table per kind, the same identity block in each.
std::vector<ColumnSpec> ProcuratoratePerson(const char* name_header) {
  return {
      {name_header, "person.name"},      {"证件类型", "person.id_type", kIdType},
      {"证件号码", "person.id_number"},  {"性别", "person.sex", kSex},
      {"出生日期", "person.birth_date"}, {"联系电话", "person.phone"},
      {"住址", "person.address"},        {"户籍地区划代码", "person.region_code"},
  };
}

std::vector<ColumnSpec> Concat(std::vector<std::vector<ColumnSpec>> parts) {
  std::vector<ColumnSpec> all;
  for (auto& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

struct DefaultFile {
  std::string file;  // AgencyKindPair::file
  AgencyMapping mapping;
};

std::vector<DefaultFile> BuildDefaults() {
  std::vector<DefaultFile> files;
  // A mapping in its export file: the kind's name unless said otherwise.
  auto add = [&files](AgencyMapping mapping, std::string file = "") {
    if (file.empty()) file = mapping.kind();
    files.push_back({std::move(file), std::move(mapping)});
  };
  const std::vector<ColumnSpec> procuratorate_head = {
      {"记录编号", "source_record_id"},
      {"数据版本", "version"},
      {"填报日期", "record_date"},
  };
  add(Make("procuratorate", "criminal_victim", "utf-8",
           Concat({procuratorate_head,
                   {
                       {"案件编号", "criminal_victim.criminal_case.case_number"},
                       {"案由",
                        "criminal_victim.criminal_case.crime",
                        {{"交通肇事罪", "CRIME_TRAFFIC"},
                         {"故意伤害罪", "CRIME_INTENTIONAL_INJURY"},
                         {"故意杀人罪", "CRIME_HOMICIDE"},
                         {"抢劫罪", "CRIME_ROBBERY"},
                         {"诈骗罪", "CRIME_FRAUD"},
                         {"性侵害犯罪", "CRIME_SEXUAL_OFFENCE"},
                         {"家庭暴力犯罪", "CRIME_DOMESTIC_VIOLENCE"},
                         {"其他犯罪", "CRIME_OTHER"}}},
                       {"案发日期", "criminal_victim.criminal_case.case_date"},
                       {"承办单位", "criminal_victim.criminal_case.handling_unit"},
                       {"承办单位区划代码", "criminal_victim.criminal_case.region_code"},
                       {"犯罪嫌疑人状态",
                        "criminal_victim.criminal_case.offender_status",
                        {{"未查获", "OFFENDER_STATUS_UNKNOWN"},
                         {"在押", "OFFENDER_STATUS_IN_CUSTODY"},
                         {"已死亡", "OFFENDER_STATUS_DECEASED"},
                         {"在逃", "OFFENDER_STATUS_AT_LARGE"},
                         {"已判决", "OFFENDER_STATUS_SENTENCED"}}},
                   },
                   ProcuratoratePerson("被害人姓名"),
                   {
                       {"被害人损害情况",
                        "criminal_victim.harm",
                        {{"死亡", "HARM_DEATH"},
                         {"重伤", "HARM_SERIOUS_INJURY"},
                         {"轻伤", "HARM_MINOR_INJURY"},
                         {"财产损失", "HARM_PROPERTY_LOSS"}}},
                       {"伤残等级", "criminal_victim.disability_grade", kGrade},
                       {"财产损失金额（元）", "criminal_victim.property_loss_fen", {}, true},
                       {"被害人有无重大过错",
                        "criminal_victim.victim_major_fault",
                        {{"有", "true"}, {"无", "false"}}},
                       {"是否急需救治", "criminal_victim.needs_urgent_treatment", kYesNo},
                   }})));
  add(Make("procuratorate", "near_relative", "utf-8",
           Concat({procuratorate_head,
                   {
                       {"案件编号", "near_relative.case_number"},
                       {"被害人记录编号", "near_relative.victim_record_id"},
                   },
                   ProcuratoratePerson("近亲属姓名"),
                   {
                       {"与被害人关系",
                        "near_relative.relation",
                        {{"父母", "RELATION_PARENT"},
                         {"配偶", "RELATION_SPOUSE"},
                         {"子女", "RELATION_CHILD"},
                         {"兄弟姐妹", "RELATION_SIBLING"},
                         {"（外）祖父母", "RELATION_GRANDPARENT"},
                         {"（外）孙子女", "RELATION_GRANDCHILD"},
                         {"其他被扶养人", "RELATION_OTHER_DEPENDANT"}}},
                       {"是否依靠被害人收入生活", "near_relative.depended_on_victim", kYesNo},
                   }})));
  add(Make("procuratorate", "assistance_granted", "utf-8",
           Concat({procuratorate_head,
                   {{"案件编号", "assistance_granted.case_number"}},
                   ProcuratoratePerson("救助对象姓名"),
                   {
                       {"救助金额（元）", "assistance_granted.amount_fen", {}, true},
                       {"发放日期", "assistance_granted.granted_date"},
                   }})));

  // The court's judgment and enforcement systems.
  const std::vector<ColumnSpec> court_head = {
      {"数据标识", "source_record_id"},
      {"版本号", "version"},
      {"更新日期", "record_date"},
  };
  auto court_person = [](const char* name_header) -> std::vector<ColumnSpec> {
    return {
        {name_header, "person.name"},       {"证件类型", "person.id_type", kIdType},
        {"身份证号码", "person.id_number"}, {"性别", "person.sex", kSex},
        {"出生日期", "person.birth_date"},  {"联系电话", "person.phone"},
        {"送达地址", "person.address"},
    };
  };
  add(Make("court", "civil_judgment", "utf-8",
           Concat({court_head,
                   {
                       {"关联刑事案号", "civil_judgment.case_number"},
                       {"判决书案号", "civil_judgment.judgment_number"},
                   },
                   court_person("附带民事诉讼原告人"),
                   {
                       {"判决赔偿金额（元）", "civil_judgment.amount_awarded_fen", {}, true},
                       {"判决日期", "civil_judgment.judgment_date"},
                   }})));
  // The court's civil case system: a civil case of its own over a traffic accident or another
  // tort, with the injury the court found and its appraisal grade (1 most severe to 10).
  add(Make("court", "civil_judgment", "utf-8",
           Concat({court_head,
                   {
                       {"案号", "civil_judgment.case_number"},
                       {"判决书文号", "civil_judgment.judgment_number"},
                       {"案由",
                        "civil_judgment.claim",
                        {{"机动车交通事故责任纠纷", "CLAIM_TRAFFIC_ACCIDENT"},
                         {"生命权、身体权、健康权纠纷", "CLAIM_OTHER_TORT"}}},
                       {"事发日期", "civil_judgment.incident_date"},
                       {"受理法院区划代码", "civil_judgment.region_code"},
                   },
                   court_person("原告"),
                   {
                       {"损害后果",
                        "civil_judgment.injury",
                        {{"死亡", "INJURY_DEATH"},
                         {"重伤", "INJURY_SERIOUS"},
                         {"轻伤", "INJURY_MINOR"}}},
                       {"伤残等级", "civil_judgment.disability_grade", AppraisalGrades()},
                       {"判决赔偿金额（元）", "civil_judgment.amount_awarded_fen", {}, true},
                       {"判决日期", "civil_judgment.judgment_date"},
                   }})),
      "civil_case");
  add(Make("court", "enforcement", "utf-8",
           Concat({court_head,
                   {
                       {"关联刑事案号", "enforcement.case_number"},
                       {"执行依据文号", "enforcement.judgment_number"},
                       {"执行案号", "enforcement.enforcement_number"},
                   },
                   court_person("申请执行人"),
                   {
                       {"申请执行标的（元）", "enforcement.amount_awarded_fen", {}, true},
                       {"实际到位金额（元）", "enforcement.amount_paid_fen", {}, true},
                       {"执行状态",
                        "enforcement.status",
                        {{"执行中", "STATUS_ONGOING"},
                         {"终结本次执行", "STATUS_TERMINATED_NO_PROPERTY"},
                         {"执行完毕", "STATUS_CONCLUDED"}}},
                       {"状态变更日期", "enforcement.status_date"},
                   }})));

  // Civil affairs: the social assistance information system's list, exported in GB18030.
  add(Make("civil_affairs", "social_assistance", "gb18030",
           {
               {"记录编号", "source_record_id"},
               {"版本", "version"},
               {"变更日期", "record_date"},
               {"户编号", "person.household_id"},
               {"姓名", "person.name"},
               {"证件类型", "person.id_type", kIdType},
               {"身份证号", "person.id_number"},
               {"性别", "person.sex", kSex},
               {"出生日期", "person.birth_date"},
               {"联系电话", "person.phone"},
               {"家庭住址", "person.address"},
               {"行政区划代码", "person.region_code"},
               {"是否户主", "social_assistance.household_head", kYesNo},
               {"保障类别",
                "social_assistance.programme",
                {{"城市低保", "PROGRAMME_URBAN_MINIMUM_LIVING"},
                 {"农村低保", "PROGRAMME_RURAL_MINIMUM_LIVING"},
                 {"特困供养", "PROGRAMME_EXTREME_POVERTY"},
                 {"低保边缘家庭", "PROGRAMME_LOW_INCOME"},
                 {"临时救助", "PROGRAMME_TEMPORARY_ASSISTANCE"}}},
               {"开始日期", "social_assistance.start_date"},
               {"结束日期", "social_assistance.end_date"},
               {"月保障金额（元）", "social_assistance.monthly_amount_fen", {}, true},
           }));

  add(Make("disabled_persons_federation", "disability_certificate", "utf-8",
           {
               {"数据编号", "source_record_id"},
               {"版本", "version"},
               {"更新日期", "record_date"},
               {"姓名", "person.name"},
               {"证件类型", "person.id_type", kIdType},
               {"公民身份号码", "person.id_number"},
               {"性别", "person.sex", kSex},
               {"出生日期", "person.birth_date"},
               {"联系电话", "person.phone"},
               {"户籍地址", "person.address"},
               {"行政区划", "person.region_code"},
               {"残疾人证号", "disability_certificate.certificate_number"},
               {"残疾类别",
                "disability_certificate.kind",
                {{"视力残疾", "KIND_VISUAL"},
                 {"听力残疾", "KIND_HEARING"},
                 {"言语残疾", "KIND_SPEECH"},
                 {"肢体残疾", "KIND_LIMB"},
                 {"智力残疾", "KIND_INTELLECTUAL"},
                 {"精神残疾", "KIND_MENTAL"},
                 {"多重残疾", "KIND_MULTIPLE"}}},
               {"残疾等级", "disability_certificate.grade", kGrade},
               {"发证日期", "disability_certificate.issue_date"},
           }));

  // The rural revitalization bureau's poverty-return monitoring list, exported in GB18030.
  add(Make("rural_revitalization", "poverty_monitoring", "gb18030",
           {
               {"记录编号", "source_record_id"},
               {"版本", "version"},
               {"更新日期", "record_date"},
               {"户编号", "person.household_id"},
               {"姓名", "person.name"},
               {"证件类型", "person.id_type", kIdType},
               {"证件号码", "person.id_number"},
               {"性别", "person.sex", kSex},
               {"出生日期", "person.birth_date"},
               {"联系电话", "person.phone"},
               {"家庭住址", "person.address"},
               {"行政区划代码", "person.region_code"},
               {"监测对象类别",
                "poverty_monitoring.category",
                {{"脱贫不稳定户", "CATEGORY_UNSTABLE"},
                 {"边缘易致贫户", "CATEGORY_MARGINAL"},
                 {"突发严重困难户", "CATEGORY_SUDDEN_HARDSHIP"},
                 {"脱贫户", "CATEGORY_FORMERLY_POOR"}}},
               {"主要风险类型",
                "poverty_monitoring.risk_cause",
                {{"因病", "RISK_CAUSE_ILLNESS"},
                 {"因残", "RISK_CAUSE_DISABILITY"},
                 {"因意外事故", "RISK_CAUSE_ACCIDENT"},
                 {"因学", "RISK_CAUSE_EDUCATION"},
                 {"缺劳动力", "RISK_CAUSE_LABOUR_SHORTAGE"},
                 {"其他", "RISK_CAUSE_OTHER"}}},
               {"纳入监测日期", "poverty_monitoring.start_date"},
               {"风险消除日期", "poverty_monitoring.end_date"},
           }));

  add(Make("womens_federation", "women_children_difficulty", "utf-8",
           {
               {"编号", "source_record_id"},
               {"版本", "version"},
               {"更新日期", "record_date"},
               {"姓名", "person.name"},
               {"证件类型", "person.id_type", kIdType},
               {"身份证号码", "person.id_number"},
               {"性别", "person.sex", kSex},
               {"出生日期", "person.birth_date"},
               {"联系方式", "person.phone"},
               {"现住址", "person.address"},
               {"行政区划代码", "person.region_code"},
               {"困难类型",
                "women_children_difficulty.kind",
                {{"单亲母亲", "KIND_SINGLE_MOTHER"},
                 {"家庭暴力受害者", "KIND_DOMESTIC_VIOLENCE_VICTIM"},
                 {"留守妇女", "KIND_LEFT_BEHIND_WOMAN"},
                 {"留守儿童", "KIND_LEFT_BEHIND_CHILD"},
                 {"经济困难", "KIND_FINANCIAL_DIFFICULTY"},
                 {"其他", "KIND_OTHER"}}},
               {"建档日期", "women_children_difficulty.start_date"},
           }));

  add(Make("ex_servicemen_affairs", "veteran_status", "utf-8",
           {
               {"记录编号", "source_record_id"},
               {"版本", "version"},
               {"更新日期", "record_date"},
               {"姓名", "person.name"},
               {"证件类型", "person.id_type", kIdType},
               {"身份证号", "person.id_number"},
               {"性别", "person.sex", kSex},
               {"出生日期", "person.birth_date"},
               {"联系电话", "person.phone"},
               {"家庭住址", "person.address"},
               {"户籍地区划代码", "person.region_code"},
               {"人员类别",
                "veteran_status.kind",
                {{"退役军人", "KIND_VETERAN"},
                 {"其他优抚对象", "KIND_ENTITLED_GROUP"},
                 {"困难退役军人", "KIND_VETERAN_IN_DIFFICULTY"}}},
               {"认定日期", "veteran_status.start_date"},
           }));

  add(Make("medical_security", "medical_expense", "utf-8",
           {
               {"记录编号", "source_record_id"},
               {"版本", "version"},
               {"结算日期", "record_date"},
               {"参保人姓名", "person.name"},
               {"证件类型", "person.id_type", kIdType},
               {"公民身份号码", "person.id_number"},
               {"性别", "person.sex", kSex},
               {"出生日期", "person.birth_date"},
               {"联系电话", "person.phone"},
               {"参保地区划代码", "person.region_code"},
               {"年度", "medical_expense.year"},
               {"个人自付金额（元）", "medical_expense.out_of_pocket_fen", {}, true},
               {"医疗救助金额（元）", "medical_expense.assistance_fen", {}, true},
               {"是否高额医疗费用", "medical_expense.catastrophic", kYesNo},
           }));
  return files;
}

const std::vector<DefaultFile>& Defaults() {
  static const auto* const kDefaults = new std::vector<DefaultFile>(BuildDefaults());
  return *kDefaults;
}

absl::Status OpenError(const std::string& path) {
  return absl::UnavailableError(absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
}

absl::Status WriteAll(std::FILE* file, const std::string& path, std::string* buffer) {
  if (!buffer->empty() && std::fwrite(buffer->data(), 1, buffer->size(), file) != buffer->size()) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  buffer->clear();
  return absl::OkStatus();
}

absl::Status CloseFile(std::FILE*& file, const std::string& path, std::string* buffer) {
  if (file == nullptr) return absl::FailedPreconditionError(absl::StrCat(path, " is closed"));
  absl::Status status = WriteAll(file, path, buffer);
  if (std::fclose(file) != 0 && status.ok()) {
    status =
        absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  file = nullptr;
  return status;
}

// Returns a column's value map in reading order: enum wordings by enum value number, yes before
// no, numbers in numeric order, anything else (or a field that does not resolve) by wording.
std::vector<std::pair<std::string, std::string>> OrderedValues(
    const AgencyMapping::Column& column) {
  const FieldDescriptor* field = nullptr;
  const Descriptor* message = Record::descriptor();
  for (const absl::string_view part : absl::StrSplit(column.field(), '.')) {
    field = message == nullptr ? nullptr : message->FindFieldByName(std::string(part));
    if (field == nullptr) break;
    message = field->message_type();
  }
  auto rank = [field](const std::string& value) -> int64_t {
    if (field == nullptr) return 0;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* enum_value = field->enum_type()->FindValueByName(value);
        return enum_value == nullptr ? 0 : enum_value->number();
      }
      case FieldDescriptor::CPPTYPE_BOOL:
        return value == "true" ? 0 : 1;
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t number = 0;
        return absl::SimpleAtoi(value, &number) ? number : 0;
      }
      default:
        return 0;
    }
  };
  std::vector<std::tuple<int64_t, std::string, std::string>> ranked;
  for (const auto& [wording, value] : column.values())
    ranked.emplace_back(rank(value), wording, value);
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::pair<std::string, std::string>> ordered;
  for (auto& [unused, wording, value] : ranked) ordered.emplace_back(wording, value);
  return ordered;
}

}  // namespace

const std::vector<AgencyKindPair>& MappedAgencyKinds() {
  static const auto* const kPairs = [] {
    auto* pairs = new std::vector<AgencyKindPair>();
    for (const DefaultFile& d : Defaults()) {
      pairs->push_back({d.mapping.agency(), d.mapping.kind(), d.file});
    }
    return pairs;
  }();
  return *kPairs;
}

absl::StatusOr<AgencyMapping> DefaultMapping(std::string_view agency, std::string_view file) {
  for (const DefaultFile& d : Defaults()) {
    if (d.mapping.agency() == agency && d.file == file) return d.mapping;
  }
  return absl::NotFoundError(
      absl::StrCat("no default mapping for agency '", Absl(agency), "' file '", Absl(file), "'"));
}

std::string MappingFileName(std::string_view agency, std::string_view file) {
  return absl::StrCat(Absl(agency), "-", Absl(file), ".yaml");
}

std::string_view ExportFileOf(const records::v1::Record& record) {
  if (record.has_civil_judgment()) {
    const auto claim = record.civil_judgment().claim();
    if (claim == records::v1::CivilJudgment::CLAIM_TRAFFIC_ACCIDENT ||
        claim == records::v1::CivilJudgment::CLAIM_OTHER_TORT) {
      return "civil_case";
    }
  }
  return PayloadKind(record);
}

std::string MappingYaml(const AgencyMapping& mapping) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "agency" << YAML::Value << mapping.agency();
  out << YAML::Key << "kind" << YAML::Value << mapping.kind();
  out << YAML::Key << "encoding" << YAML::Value << mapping.encoding();
  out << YAML::Key << "columns" << YAML::Value << YAML::BeginSeq;
  for (const AgencyMapping::Column& column : mapping.columns()) {
    out << YAML::BeginMap;
    out << YAML::Key << "header" << YAML::Value << column.header();
    out << YAML::Key << "field" << YAML::Value << column.field();
    if (!column.values().empty()) {
      out << YAML::Key << "values" << YAML::Value << YAML::BeginMap;
      for (const auto& [wording, value] : OrderedValues(column)) {
        out << YAML::Key << wording << YAML::Value << value;
      }
      out << YAML::EndMap;
    }
    if (column.unit() != ingest::v1::AMOUNT_UNIT_UNSPECIFIED) {
      out << YAML::Key << "unit" << YAML::Value << ingest::v1::AmountUnit_Name(column.unit());
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return absl::StrCat("# Column mapping of ", mapping.agency(), " ", mapping.kind(),
                      " CSV files for `lifeline import`.\n# Schema: "
                      "lifeline.ingest.v1.AgencyMapping in "
                      "protos/lifeline/ingest/v1/agency_mapping.proto.\n",
                      out.c_str(), "\n");
}

absl::Status WriteMappingYaml(const AgencyMapping& mapping, const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return OpenError(path);
  std::string text = MappingYaml(mapping);
  return CloseFile(file, path, &text);
}

AgencyCsvWriter::AgencyCsvWriter(std::string path, mapping::RecordMapper mapper, std::FILE* file,
                                 std::optional<common::EncodingConverter> converter)
    : path_(std::move(path)),
      mapper_(std::move(mapper)),
      file_(file),
      converter_(std::move(converter)) {
  buffer_.reserve(kFlushBytes + (kConvertBytes * 2));
  if (converter_.has_value()) pending_.reserve(kConvertBytes + (64 << 10));
}

absl::StatusOr<std::unique_ptr<AgencyCsvWriter>> AgencyCsvWriter::Open(
    const std::string& path, const AgencyMapping& mapping) {
  absl::StatusOr<mapping::RecordMapper> mapper = mapping::RecordMapper::Create(mapping);
  if (!mapper.ok()) return mapper.status();
  std::optional<common::EncodingConverter> converter;
  if (mapper->encoding() == "gb18030") {
    absl::StatusOr<common::EncodingConverter> created =
        common::EncodingConverter::Create("UTF-8", "GB18030");
    if (!created.ok()) return created.status();
    converter.emplace(*std::move(created));
  }
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return OpenError(path);
  std::unique_ptr<AgencyCsvWriter> writer(
      new AgencyCsvWriter(path, *std::move(mapper), file, std::move(converter)));
  if (!writer->converter_.has_value()) writer->buffer_.append(kUtf8Bom);
  if (absl::Status status = writer->AppendRow(writer->mapper_.headers()); !status.ok()) {
    return status;
  }
  return writer;
}

AgencyCsvWriter::~AgencyCsvWriter() {
  if (file_ != nullptr) Close().IgnoreError();
}

absl::Status AgencyCsvWriter::AppendRow(const std::vector<std::string>& cells) {
  std::string& target = converter_.has_value() ? pending_ : buffer_;
  const size_t start = target.size();
  common::AppendCsvRow(cells, &target);
  return FinishRow(start);
}

absl::Status AgencyCsvWriter::FinishRow(size_t start) {
  // Rows are checked one by one, so that a bad one is refused alone; GB18030 files convert in
  // batches, which costs iconv's per-call overhead once per batch instead of once per row.
  std::string& target = converter_.has_value() ? pending_ : buffer_;
  if (!common::IsValidUtf8(std::string_view(target).substr(start))) {
    target.resize(start);
    return absl::InvalidArgumentError(
        absl::StrCat(path_, " row ", rows_ + 1, ": text is not valid UTF-8"));
  }
  if (pending_.size() >= kConvertBytes) {
    if (absl::Status status = Convert(); !status.ok()) return status;
  }
  if (buffer_.size() >= kFlushBytes) return Flush();
  return absl::OkStatus();
}

absl::Status AgencyCsvWriter::Convert() {
  if (pending_.empty()) return absl::OkStatus();
  absl::Status status = converter_->Convert(pending_, &buffer_);
  pending_.clear();
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": cannot encode rows before row ",
                                                   rows_ + 1, " in GB18030: ", status.message()));
  }
  return absl::OkStatus();
}

absl::Status AgencyCsvWriter::Flush() { return WriteAll(file_, path_, &buffer_); }

absl::Status AgencyCsvWriter::Write(const Record& record) {
  if (file_ == nullptr) return absl::FailedPreconditionError(absl::StrCat(path_, " is closed"));
  if (!mapper_.Matches(record)) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": record '", record.source_record_id(),
                                                   "' is not a ", mapper_.mapping().kind(),
                                                   " record"));
  }
  std::string& target = converter_.has_value() ? pending_ : buffer_;
  const size_t start = target.size();
  bool first = true;
  mapper_.ForEachCell(record, [&](std::string_view cell) {
    if (!first) target.push_back(',');
    first = false;
    common::AppendCsvField(cell, &target);
  });
  // As common::AppendCsvRow: a lone empty cell is written "" so that the line is not empty.
  if (target.size() == start && mapper_.headers().size() == 1) target.append("\"\"");
  target.append("\r\n");
  if (absl::Status status = FinishRow(start); !status.ok()) return status;
  ++rows_;
  return absl::OkStatus();
}

absl::Status AgencyCsvWriter::Close() {
  if (file_ == nullptr) return absl::FailedPreconditionError(absl::StrCat(path_, " is closed"));
  absl::Status status = converter_.has_value() ? Convert() : absl::OkStatus();
  absl::Status closed = CloseFile(file_, path_, &buffer_);
  return status.ok() ? closed : status;
}

absl::StatusOr<std::unique_ptr<JsonlWriter>> JsonlWriter::Open(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return OpenError(path);
  std::unique_ptr<JsonlWriter> writer(new JsonlWriter(path, file));
  writer->buffer_.reserve(kFlushBytes + (64 << 10));
  return writer;
}

JsonlWriter::~JsonlWriter() {
  if (file_ != nullptr) CloseFile(file_, path_, &buffer_).IgnoreError();
}

absl::Status JsonlWriter::Write(const Record& record) {
  if (file_ == nullptr) return absl::FailedPreconditionError(absl::StrCat(path_, " is closed"));
  static const google::protobuf::util::JsonPrintOptions kOptions = [] {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    return options;
  }();
  line_.clear();
  if (!google::protobuf::util::MessageToJsonString(record, &line_, kOptions).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, " line ", lines_ + 1, ": the record cannot be printed as JSON"));
  }
  buffer_.append(line_);
  buffer_.push_back('\n');
  ++lines_;
  if (buffer_.size() >= kFlushBytes) return Flush();
  return absl::OkStatus();
}

absl::Status JsonlWriter::Flush() { return WriteAll(file_, path_, &buffer_); }

absl::Status JsonlWriter::Close() { return CloseFile(file_, path_, &buffer_); }

}  // namespace lifeline::datagen
