#include "domain/sales/sales_module.h"

#include "metadata/object_builder.h"

namespace rapport::domain::sales {

using metadata::FieldType;
using metadata::ObjectBuilder;

void Register(records::ModuleRegistry& registry) {
  registry.AddObject(
      ObjectBuilder("leads", "Lead", "Leads")
          .Title("last_name")
          .Field("first_name", "First name", FieldType::kText)
          .Field("last_name", "Last name", FieldType::kText, {.indexed = true})
          .Field("email", "Email", FieldType::kEmail, {.indexed = true})
          .Field("phone", "Phone", FieldType::kPhone)
          .Field("company_name", "Company name", FieldType::kText, {.indexed = true})
          .Field("job_title", "Job title", FieldType::kText)
          .Picklist("status", "Status", {"new", "contacted", "qualified", "unqualified", "converted"},
                    {.indexed = true})
          .Picklist("source", "Source",
                    {"website", "referral", "event", "campaign", "cold_call", "partner", "other"},
                    {.indexed = true})
          .Field("score", "Score", FieldType::kInteger,
                 {.min_value = Decimal::FromInt(0), .max_value = Decimal::FromInt(100)})
          .Build());
  registry.AddValidator("leads", [](const records::RecordView& r) -> std::vector<FieldError> {
    if (records::IsNull(r.Get("last_name")) && records::IsNull(r.Get("company_name")) &&
        records::IsNull(r.Get("email"))) {
      return {{"last_name", "required", "A lead needs a last name, a company name or an email."}};
    }
    return {};
  });

  registry.AddObject(
      ObjectBuilder("opportunities", "Opportunity", "Opportunities")
          .Title("name")
          .Field("name", "Name", FieldType::kText, {.required = true, .indexed = true})
          .Field("amount", "Amount", FieldType::kCurrency, {.indexed = true})
          .Field("close_date", "Close date", FieldType::kDate, {.indexed = true})
          .Picklist("pipeline", "Pipeline", {"sales", "renewals", "partners"}, {.indexed = true})
          .Picklist("stage", "Stage",
                    {"prospecting", "qualification", "proposal", "negotiation", "won", "lost"},
                    {.indexed = true})
          .Field("probability", "Probability", FieldType::kPercent)
          .Lookup("company_id", "Company", "companies")
          .Lookup("primary_person_id", "Primary contact", "people")
          .Build());

  registry.AddObject(ObjectBuilder("products", "Product", "Products")
                         .Title("name")
                         .Field("name", "Name", FieldType::kText, {.required = true})
                         .Field("code", "Code", FieldType::kText, {.unique = true, .max_length = 64})
                         .Field("unit_price", "Unit price", FieldType::kCurrency,
                                {.min_value = Decimal::FromInt(0)})
                         .Field("active", "Active", FieldType::kBoolean)
                         .Build());
}

}  // namespace rapport::domain::sales
