// Deterministic, realistic sample records (companies, people, deals, activities) for
// `rapport demo` and the benchmarks. The same seed always yields the same data.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "records/value.h"

namespace rapport::app {

class SampleData {
 public:
  explicit SampleData(uint64_t seed) : rng_(seed) {}

  records::InputObject Company(int index);
  // `company_id` may be empty (a person without a company).
  records::InputObject Person(int index, const std::string& company_id, const std::string& company_domain);
  records::InputObject Opportunity(int index, const std::string& company_id, const std::string& person_id);
  records::InputObject Activity(int index, const std::string& related_object, const std::string& related_id);
  records::InputObject Lead(int index);
  records::InputObject Product(int index);

  // The domain the last Company() got (for matching people's emails).
  const std::string& last_domain() const { return last_domain_; }

 private:
  const char* Pick(const std::vector<const char*>& options);
  int Between(int lo, int hi);

  std::mt19937_64 rng_;
  std::string last_domain_;
};

}  // namespace rapport::app
