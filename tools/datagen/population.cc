#include "tools/datagen/population.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "common/identity/id_number.h"
#include "tools/datagen/rng.h"

namespace lifeline::datagen {
namespace {

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

// Kinds of household, with their shares of all households.
enum class HouseholdType {
  kSingleYoung,
  kCouple,
  kNuclear,
  kThreeGeneration,
  kElderlyCouple,
  kSingleElder
};

HouseholdType DrawType(std::mt19937_64& rng) {
  const double u = Unit(rng);
  if (u < 0.12) return HouseholdType::kSingleYoung;
  if (u < 0.22) return HouseholdType::kCouple;
  if (u < 0.57) return HouseholdType::kNuclear;
  if (u < 0.77) return HouseholdType::kThreeGeneration;
  if (u < 0.90) return HouseholdType::kElderlyCouple;
  return HouseholdType::kSingleElder;
}

class HouseholdMaker {
 public:
  HouseholdMaker(const NameGenerator& names, std::mt19937_64& rng, Population& pop,
                 std::unordered_set<uint64_t>& used_ids)
      : names_(names), rng_(rng), pop_(pop), used_ids_(used_ids) {}

  void Make() {
    const std::vector<County>& counties = Counties();
    county_ = &counties[Below(rng_, counties.size())];
    rural_ = county_->rural ? Chance(rng_, 0.8) : Chance(rng_, 0.1);
    Household hh;
    hh.id = static_cast<int64_t>(pop_.households.size()) + 1;
    hh.region_code = county_->code;
    hh.rural = rural_;
    hh.code = absl::StrCat("HH-", county_->code, "-", hh.id);
    pop_.households.push_back(std::move(hh));
    address_ = MakeAddress(*county_, rural_, rng_);
    old_address_ = Chance(rng_, 0.3) ? MakeAddress(*county_, rural_, rng_) : std::string();

    const int now = kReferenceDate.year;
    switch (DrawType(rng_)) {
      case HouseholdType::kSingleYoung: {
        const Sex sex = Chance(rng_, 0.55) ? Sex::kMale : Sex::kFemale;
        Add(sex, now - Between(rng_, 18, 35), names_.Surname(rng_));
        break;
      }
      case HouseholdType::kCouple:
        AddCouple(now - Between(rng_, 22, 40));
        break;
      case HouseholdType::kNuclear: {
        auto [husband, wife] = AddCouple(now - Between(rng_, 25, 55));
        AddChildren(husband, wife, Between(rng_, 1, 100) <= 50 ? 1 : (Chance(rng_, 0.8) ? 2 : 3));
        break;
      }
      case HouseholdType::kThreeGeneration: {
        const int grandfather_year = now - Between(rng_, 55, 85);
        const std::string surname = names_.Surname(rng_);
        const int64_t grandfather = Add(Sex::kMale, grandfather_year, surname);
        int64_t grandmother = 0;
        if (Chance(rng_, 0.85)) {
          grandmother =
              Add(Sex::kFemale, grandfather_year + Between(rng_, -2, 5), names_.Surname(rng_));
          Marry(grandfather, grandmother);
        }
        const int son_year = std::min(now - 22, grandfather_year + Between(rng_, 22, 35));
        const int64_t son = Add(Sex::kMale, son_year, surname);
        SetParents(son, grandfather, grandmother);
        const int64_t wife =
            Add(Sex::kFemale, son_year + Between(rng_, -2, 5), names_.Surname(rng_));
        Marry(son, wife);
        AddChildren(son, wife, Chance(rng_, 0.6) ? 1 : 2);
        break;
      }
      case HouseholdType::kElderlyCouple:
        AddCouple(now - Between(rng_, 60, 90));
        break;
      case HouseholdType::kSingleElder: {
        const Sex sex = Chance(rng_, 0.65) ? Sex::kFemale : Sex::kMale;
        Add(sex, now - Between(rng_, 65, 95), names_.Surname(rng_));
        break;
      }
    }
  }

 private:
  std::pair<int64_t, int64_t> AddCouple(int husband_year) {
    const int64_t husband = Add(Sex::kMale, husband_year, names_.Surname(rng_));
    const int64_t wife =
        Add(Sex::kFemale, std::min(kReferenceDate.year - 20, husband_year + Between(rng_, -2, 5)),
            names_.Surname(rng_));
    Marry(husband, wife);
    return {husband, wife};
  }

  void AddChildren(int64_t father, int64_t mother, int n) {
    const int mother_year = pop_.person(mother).birth.year;
    const std::string surname = Chance(rng_, 0.95) ? SurnameOf(father) : SurnameOf(mother);
    for (int i = 0; i < n; ++i) {
      const int year = std::min(kReferenceDate.year - 1, mother_year + Between(rng_, 20, 38));
      const Sex sex = Chance(rng_, 0.52) ? Sex::kMale : Sex::kFemale;
      const int64_t child = Add(sex, year, surname);
      SetParents(child, father, mother);
    }
  }

  std::string SurnameOf(int64_t id) const {
    const Person& p = pop_.person(id);
    return p.name.substr(0, static_cast<size_t>(p.surname_bytes));
  }

  int64_t Add(Sex sex, int year, const std::string& surname) {
    Person p;
    p.id = static_cast<int64_t>(pop_.persons.size()) + 1;
    Household& hh = pop_.households.back();
    p.household = hh.id;
    p.sex = sex;
    p.birth = DrawBirth(year);
    p.name = surname + names_.GivenName(sex, year, rng_);
    p.surname_bytes = static_cast<int>(surname.size());
    p.rural = rural_;
    p.region_code = county_->code;
    p.address = address_;
    p.old_address = old_address_;
    const int age = AgeOn(p.birth, kReferenceDate);
    if (age >= 16 || Chance(rng_, 0.5)) p.id_number = DrawIdNumber(p, age);
    if (age >= 16 && age <= 80 && Chance(rng_, 0.88)) p.phone = DrawPhone();
    if (hh.members.empty()) hh.head = p.id;
    hh.members.push_back(p.id);
    pop_.persons.push_back(std::move(p));
    return pop_.persons.back().id;
  }

  void Marry(int64_t a, int64_t b) {
    pop_.person(a).spouse = b;
    pop_.person(b).spouse = a;
    pop_.relations.push_back({a, b, "spouse"});
    pop_.relations.push_back({b, a, "spouse"});
  }

  void SetParents(int64_t child, int64_t father, int64_t mother) {
    for (int64_t parent : {father, mother}) {
      if (parent == 0) continue;
      (pop_.person(parent).sex == Sex::kMale ? pop_.person(child).father
                                             : pop_.person(child).mother) = parent;
      pop_.relations.push_back({child, parent, "parent"});
      pop_.relations.push_back({parent, child, "child"});
    }
  }

  Date DrawBirth(int year) {
    Date d;
    d.year = year;
    // Older people's registered birth dates heap on New Year's Day and the first of a month:
    // many were registered without a known date (or with a lunar one nobody converted), the
    // more so the older they are.
    const double new_year_share = year < 1950 ? 0.4 : (year < 1965 ? 0.25 : 0.0);
    if (Chance(rng_, new_year_share)) {
      d.month = 1;
      d.day = 1;
      return d;
    }
    d.month = Between(rng_, 1, 12);
    d.day = (year < 1975 && Chance(rng_, 0.1)) ? 1 : Between(rng_, 1, DaysInMonth(year, d.month));
    if (year == kReferenceDate.year && d.month > kReferenceDate.month)
      d.month = kReferenceDate.month;
    return d;
  }

  std::string DrawIdNumber(const Person& p, int age) {
    // The number keeps the code of the place of first registration: sometimes another county,
    // and for older people the county's code from before a reorganization.
    std::string region = p.region_code;
    const std::vector<County>& counties = Counties();
    if (Chance(rng_, 0.12)) region = counties[Below(rng_, counties.size())].code;
    if (age >= 35 && county_->old_code != nullptr && Chance(rng_, 0.5)) region = county_->old_code;
    for (;;) {
      const int k = static_cast<int>(Below(rng_, 499));
      const int sequence = 2 * k + (p.sex == Sex::kMale ? 1 : 2);
      std::string id = MakeIdNumber(region, p.birth, sequence);
      uint64_t key = 0;
      for (int i = 0; i < 17; ++i) key = key * 10 + static_cast<uint64_t>(id[i] - '0');
      if (used_ids_.insert(key).second) return id;
    }
  }

  std::string DrawPhone() {
    static constexpr char kSecond[] = {'3', '5', '7', '8', '9'};
    std::string phone = "1";
    phone.push_back(kSecond[Below(rng_, 5)]);
    for (int i = 0; i < 9; ++i) phone.push_back(static_cast<char>('0' + Below(rng_, 10)));
    return phone;
  }

  const NameGenerator& names_;
  std::mt19937_64& rng_;
  Population& pop_;
  std::unordered_set<uint64_t>& used_ids_;
  const County* county_ = nullptr;
  bool rural_ = false;
  std::string address_;
  std::string old_address_;
};

}  // namespace

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

int AgeOn(const Date& birth, const Date& on) {
  int age = on.year - birth.year;
  if (on.month < birth.month || (on.month == birth.month && on.day < birth.day)) --age;
  return age;
}

std::string MakeIdNumber(const std::string& region, const Date& birth, int sequence) {
  std::string id = absl::StrFormat("%s%s%03d", region, birth.Compact(), sequence);
  id.push_back(common::IdCheckCharacter(id));
  return id;
}

Population PopulationBuilder::Build(int64_t count, std::mt19937_64& rng,
                                    const std::function<void(int64_t)>& progress) const {
  Population pop;
  pop.persons.reserve(static_cast<size_t>(count) + 8);
  pop.households.reserve(static_cast<size_t>(count / 2) + 8);
  std::unordered_set<uint64_t> used_ids;
  used_ids.reserve(static_cast<size_t>(count) + 8);
  HouseholdMaker maker(names_, rng, pop, used_ids);
  int64_t next_report = 0;
  while (static_cast<int64_t>(pop.persons.size()) < count) {
    maker.Make();
    if (static_cast<int64_t>(pop.persons.size()) >= next_report) {
      progress(static_cast<int64_t>(pop.persons.size()));
      next_report += 65536;
    }
  }
  progress(static_cast<int64_t>(pop.persons.size()));
  return pop;
}

}  // namespace lifeline::datagen
