#include "app/sample_data.h"

#include <map>

#include <fmt/format.h>

#include "core/strings.h"

namespace rapport::app {

namespace {

using records::InputValue;

const std::vector<const char*> kFirstNames = {
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "John",
    "Radia", "Tim", "Hedy", "Donald", "Katherine", "Edsger", "Sophie", "Lucas", "Emma", "Noah",
    "Mia", "Liam", "Olivia", "Mateo", "Amara", "Kenji", "Priya", "Omar", "Ingrid", "Tomas",
    "Aisha", "Chen", "Fatima", "Jonas", "Elena", "Diego", "Hana", "Ravi", "Zoe", "Felix"};
const std::vector<const char*> kLastNames = {
    "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen",
    "McCarthy", "Perlman", "Berners-Lee", "Lamarr", "Knuth", "Johnson", "Dijkstra", "Martin", "Garcia",
    "Mueller", "Rossi", "Dubois", "Nakamura", "Patel", "Haddad", "Larsen", "Novak", "Okafor", "Wang",
    "Silva", "Kowalski", "Jensen", "Fischer", "Moreau", "Tanaka", "Kim", "Schmidt", "Costa", "Nilsson",
    "Yilmaz", "Murphy"};
const std::vector<const char*> kCompanyWords = {
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent", "Tyrell",
    "Cyberdyne", "Wonka", "Aperture", "Massive", "Pied Piper", "Nakatomi", "Oceanic", "Gringotts",
    "Monarch", "Virtucon", "Northwind", "Contoso", "Fabrikam", "Blue Yonder", "Litware", "Adventure"};
const std::vector<const char*> kCompanySuffixes = {"Inc", "GmbH", "Ltd", "Group", "Labs", "Systems",
                                                   "Partners", "AG", "SA", "Holdings"};
const std::vector<const char*> kIndustries = {"software", "retail", "manufacturing", "finance", "healthcare",
                                              "education", "media", "energy", "logistics", "hospitality"};
const std::vector<const char*> kCities = {"Berlin", "Paris", "London", "Madrid", "Lisbon", "Amsterdam",
                                          "Vienna", "Zurich", "Copenhagen", "Oslo", "Warsaw", "Prague",
                                          "New York", "Toronto", "Austin", "Tokyo", "Singapore", "Sydney"};
const std::vector<const char*> kCountries = {"DE", "FR", "GB", "ES", "PT", "NL", "AT", "CH", "DK", "NO", "PL",
                                             "CZ", "US", "CA", "US", "JP", "SG", "AU"};
const std::vector<const char*> kTitles = {"CEO", "CTO", "VP Sales", "Head of Marketing", "Procurement Manager",
                                          "Engineer", "Operations Director", "CFO", "Product Manager",
                                          "Account Executive"};
const std::vector<const char*> kStages = {"prospecting", "qualification", "proposal", "negotiation", "won", "lost"};
const std::vector<const char*> kDealWords = {"Platform rollout", "Renewal", "Expansion", "Pilot", "Migration",
                                             "Support plan", "Training", "Licences", "Integration", "Upgrade"};
const std::vector<const char*> kActivityTypes = {"task", "call", "meeting", "note", "email"};
const std::vector<const char*> kSubjects = {"Intro call", "Follow up on proposal", "Send pricing",
                                            "Quarterly review", "Demo", "Contract questions", "Kick-off",
                                            "Check in", "Negotiate terms", "Onboarding"};

std::string Slug(std::string_view s) {
  std::string out;
  for (char c : AsciiLower(s)) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out += c;
  }
  return out;
}

InputValue Money(int64_t whole, const char* currency) {
  InputValue v;
  v.kind = InputValue::Kind::kObject;
  v.members = {{"amount", InputValue::String(fmt::format("{}.00", whole))},
               {"currency", InputValue::String(currency)}};
  return v;
}

}  // namespace

const char* SampleData::Pick(const std::vector<const char*>& options) {
  return options[std::uniform_int_distribution<size_t>(0, options.size() - 1)(rng_)];
}

int SampleData::Between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

records::InputObject SampleData::Company(int index) {
  std::string base = Pick(kCompanyWords);
  std::string name = fmt::format("{} {} {}", base, Pick(kCompanySuffixes), index);
  last_domain_ = fmt::format("{}{}.example", Slug(base), index);
  size_t city = static_cast<size_t>(Between(0, static_cast<int>(kCities.size()) - 1));
  return {{"name", InputValue::String(name)},
          {"domain", InputValue::String(last_domain_)},
          {"industry", InputValue::String(Pick(kIndustries))},
          {"employees", InputValue::Int(Between(5, 20000))},
          {"annual_revenue", Money(static_cast<int64_t>(Between(1, 5000)) * 100000, "EUR")},
          {"phone", InputValue::String(fmt::format("+49 30 {:07d}", Between(0, 9999999)))},
          {"website", InputValue::String("https://www." + last_domain_)},
          {"city", InputValue::String(kCities[city])},
          {"country", InputValue::String(kCountries[city])}};
}

records::InputObject SampleData::Person(int index, const std::string& company_id, const std::string& domain) {
  std::string first = Pick(kFirstNames);
  std::string last = Pick(kLastNames);
  std::string email_domain = domain.empty() ? "mail.example" : domain;
  size_t city = static_cast<size_t>(Between(0, static_cast<int>(kCities.size()) - 1));
  records::InputObject person = {
      {"first_name", InputValue::String(first)},
      {"last_name", InputValue::String(last)},
      {"email", InputValue::String(fmt::format("{}.{}{}@{}", Slug(first), Slug(last), index, email_domain))},
      {"phone", InputValue::String(fmt::format("+1 555 {:07d}", Between(0, 9999999)))},
      {"job_title", InputValue::String(Pick(kTitles))},
      {"city", InputValue::String(kCities[city])},
      {"country", InputValue::String(kCountries[city])}};
  if (!company_id.empty()) person.emplace_back("company_id", InputValue::String(company_id));
  return person;
}

records::InputObject SampleData::Opportunity(int index, const std::string& company_id, const std::string& person_id) {
  const char* stage = Pick(kStages);
  static const std::map<std::string, int> kProbability = {{"prospecting", 10}, {"qualification", 25},
                                                          {"proposal", 50},    {"negotiation", 75},
                                                          {"won", 100},        {"lost", 0}};
  records::InputObject deal = {
      {"name", InputValue::String(fmt::format("{} #{}", Pick(kDealWords), index))},
      {"amount", Money(static_cast<int64_t>(Between(5, 500)) * 1000, "EUR")},
      {"close_date", InputValue::String(fmt::format("2026-{:02d}-{:02d}", Between(1, 12), Between(1, 28)))},
      {"pipeline", InputValue::String(Between(0, 4) == 0 ? "renewals" : "sales")},
      {"stage", InputValue::String(stage)},
      {"probability", InputValue::Int(kProbability.at(stage))}};
  if (!company_id.empty()) deal.emplace_back("company_id", InputValue::String(company_id));
  if (!person_id.empty()) deal.emplace_back("primary_person_id", InputValue::String(person_id));
  return deal;
}

records::InputObject SampleData::Activity(int index, const std::string& related_object, const std::string& related_id) {
  const char* type = Pick(kActivityTypes);
  int day = Between(1, 28);
  int month = Between(1, 12);
  records::InputObject activity = {
      {"type", InputValue::String(type)},
      {"subject", InputValue::String(fmt::format("{} ({})", Pick(kSubjects), index))},
      {"due_at", InputValue::String(fmt::format("2026-{:02d}-{:02d}T{:02d}:00:00Z", month, day, Between(8, 17)))},
      {"done", InputValue::Bool(Between(0, 2) == 0)}};
  if (!related_id.empty()) {
    activity.emplace_back("related_object", InputValue::String(related_object));
    activity.emplace_back("related_id", InputValue::String(related_id));
  }
  return activity;
}

records::InputObject SampleData::Lead(int index) {
  static const std::vector<const char*> kStatuses = {"new", "contacted", "qualified", "unqualified"};
  static const std::vector<const char*> kSources = {"website", "referral", "event", "campaign", "cold_call"};
  std::string first = Pick(kFirstNames);
  std::string last = Pick(kLastNames);
  std::string company = fmt::format("{} {}", Pick(kCompanyWords), Pick(kCompanySuffixes));
  return {{"first_name", InputValue::String(first)},
          {"last_name", InputValue::String(last)},
          {"email", InputValue::String(fmt::format("{}.{}{}@lead.example", Slug(first), Slug(last), index))},
          {"company_name", InputValue::String(company)},
          {"status", InputValue::String(Pick(kStatuses))},
          {"source", InputValue::String(Pick(kSources))},
          {"score", InputValue::Int(Between(0, 100))}};
}

records::InputObject SampleData::Product(int index) {
  static const std::vector<const char*> kProducts = {"Starter plan", "Team plan", "Enterprise plan",
                                                     "Onboarding package", "Premium support", "Training day",
                                                     "API add-on", "Data migration"};
  return {{"name", InputValue::String(kProducts[static_cast<size_t>(index) % kProducts.size()])},
          {"code", InputValue::String(fmt::format("SKU-{:04d}", index))},
          {"unit_price", Money(static_cast<int64_t>(Between(1, 200)) * 50, "EUR")},
          {"active", InputValue::Bool(true)}};
}

}  // namespace rapport::app
