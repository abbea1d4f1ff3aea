#include "domain/customers/customers_module.h"

#include "core/id.h"
#include "metadata/object_builder.h"

namespace rapport::domain::customers {

using metadata::FieldType;
using metadata::ObjectBuilder;
using records::FieldValue;
using records::RecordView;

namespace {

ObjectBuilder& Address(ObjectBuilder& b) {
  return b.Field("street", "Street", FieldType::kText)
      .Field("city", "City", FieldType::kText)
      .Field("postal_code", "Postal code", FieldType::kText, {.max_length = 20})
      .Field("state", "State", FieldType::kText)
      .Field("country", "Country", FieldType::kText);
}

}  // namespace

void Register(records::ModuleRegistry& registry) {
  ObjectBuilder companies("companies", "Company", "Companies");
  companies.Title("name")
      .Field("name", "Name", FieldType::kText, {.required = true, .indexed = true})
      .Field("domain", "Domain", FieldType::kText, {.indexed = true})
      .Picklist("industry", "Industry",
                {"software", "retail", "manufacturing", "finance", "healthcare", "education",
                 "media", "energy", "logistics", "hospitality", "construction", "other"},
                {.indexed = true})
      .Field("employees", "Employees", FieldType::kInteger, {.min_value = Decimal::FromInt(0)})
      .Field("annual_revenue", "Annual revenue", FieldType::kCurrency,
             {.min_value = Decimal::FromInt(0)})
      .Field("phone", "Phone", FieldType::kPhone)
      .Field("website", "Website", FieldType::kUrl);
  Address(companies).Lookup("parent_company_id", "Parent company", "companies");
  registry.AddObject(companies.Build());

  ObjectBuilder people("people", "Person", "People");
  people.Title("last_name")
      .Field("first_name", "First name", FieldType::kText)
      .Field("last_name", "Last name", FieldType::kText, {.indexed = true})
      .Field("email", "Email", FieldType::kEmail, {.indexed = true})
      .Field("phone", "Phone", FieldType::kPhone)
      .Field("mobile", "Mobile", FieldType::kPhone)
      .Field("job_title", "Job title", FieldType::kText)
      .Lookup("company_id", "Company", "companies");
  Address(people).Field("birthdate", "Birthdate", FieldType::kDate);
  registry.AddObject(people.Build());
  registry.AddValidator("people", [](const RecordView& r) -> std::vector<FieldError> {
    if (records::IsNull(r.Get("first_name")) && records::IsNull(r.Get("last_name"))) {
      return {{"last_name", "required", "A person needs a first name or a last name."}};
    }
    return {};
  });

  registry.AddObject(
      ObjectBuilder("activities", "Activity", "Activities")
          .Title("subject")
          .Picklist("type", "Type", {"task", "call", "meeting", "note", "email"},
                    {.required = true, .indexed = true})
          .Field("subject", "Subject", FieldType::kText)
          .Field("body", "Body", FieldType::kLongText)
          .Field("due_at", "Due", FieldType::kDatetime, {.indexed = true})
          .Field("starts_at", "Starts", FieldType::kDatetime)
          .Field("ends_at", "Ends", FieldType::kDatetime)
          .Field("done", "Done", FieldType::kBoolean)
          .Field("related_object", "Related object", FieldType::kText, {.max_length = 63})
          .Field("related_id", "Related record", FieldType::kText, {.indexed = true, .max_length = 36})
          // Open tasks by due date (a task list, overdue first), and activities done by
          // period (a dashboard's activity chart): both read this index alone.
          .Index({"done", "due_at"})
          .Build());
  registry.AddValidator("activities", [](const RecordView& r) -> std::vector<FieldError> {
    std::vector<FieldError> errors;
    const FieldValue& object = r.Get("related_object");
    const FieldValue& id = r.Get("related_id");
    if (records::IsNull(object) != records::IsNull(id)) {
      errors.push_back({records::IsNull(object) ? "related_object" : "related_id", "required",
                        "An activity links to a record with both related_object and related_id."});
    }
    if (const auto* s = std::get_if<std::string>(&id); s && !IsValidId(*s)) {
      errors.push_back({"related_id", "invalid_format", "`related_id` must be a record id."});
    }
    const auto* starts = std::get_if<std::string>(&r.Get("starts_at"));
    const auto* ends = std::get_if<std::string>(&r.Get("ends_at"));
    if (starts && ends && *ends < *starts) {  // fixed-width UTC text: text order is time order
      errors.push_back({"ends_at", "out_of_range", "An activity cannot end before it starts."});
    }
    return errors;
  });
}

}  // namespace rapport::domain::customers
