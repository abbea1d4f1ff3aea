// Exports an object's records as a file through the record engine, so the caller's read
// access, field-level security and the role's export permission apply exactly as they
// do to the list API (RecordService::List with `for_export`). The file is produced a
// page at a time: memory stays flat whatever the number of records, and the first bytes
// leave before the last record is read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "records/record_service.h"
#include "security/principal.h"

namespace rapport::exchange {

enum class ExportHeader {
  kNames,   // api names: for scripts and re-import
  kLabels,  // field labels and a UTF-8 byte order mark: for people and spreadsheets
};

struct ExportRequest {
  std::string object;
  std::string filter;               // expression language
  std::string sort;                 // as for lists; empty: the default order
  std::vector<std::string> fields;  // in this order; empty: every field the caller can see
  ExportHeader header = ExportHeader::kNames;
};

// CSV (RFC 4180, exchange/csv.h). One column per field, except that a currency field
// gives its amount and `<name>_currency`, and a lookup gives the related record's id
// and its title (`company_id`, `company_name`). Multi-picklist values are joined by
// ";". Text that a spreadsheet would run as a formula is defused.
class CsvExport {
 public:
  // Fails before anything is produced when the engine refuses the request: unknown
  // object or field, bad filter or sort, no read or no export permission.
  static Result<CsvExport> Start(records::RecordService& records, const security::Principal& principal,
                                 ExportRequest request);

  // The next piece of the file (the header with the first page, then one page at a
  // time); empty once the file is complete.
  Result<std::string> Next();
  int64_t rows_written() const { return rows_written_; }

  // One CSV column: which value of which field.
  struct Column {
    enum class Part { kValue, kCurrency, kTitle };
    std::string field;
    Part part = Part::kValue;
    std::string relation;     // kTitle: the included relation
    std::string title_field;  // kTitle: the related object's title field
  };

 private:
  CsvExport(records::RecordService& records, security::Principal principal, records::ListQuery query,
            std::vector<Column> columns, std::string header);
  std::string Rows(const records::ListResult& page);
  void Advance(const records::ListResult& page);  // to the page after `page`

  records::RecordService* records_;
  security::Principal principal_;
  records::ListQuery query_;
  std::vector<Column> columns_;
  std::string pending_;  // produced but not yet handed out (the header and first page)
  bool done_ = false;
  int64_t rows_written_ = 0;
};

}  // namespace rapport::exchange
