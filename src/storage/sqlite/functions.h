// SQL functions Rapport adds to each SQLite connection, for what PostgreSQL has built
// in and SQLite lacks (the dialect names them; see SqlDialect::DateBucket, MiddleSum).
#pragma once

struct sqlite3;

namespace rapport::storage::sqlite {

// rapport_date_bucket(stored, part, fiscal_start, zone): the bucket label
// (core/calendar.h) of a stored date text (zone NULL) or datetime text (in `zone`).
// rapport_middle_sum(x): aggregate; the sum of the two middle integers of a group.
// Returns an SQLite result code.
int RegisterFunctions(sqlite3* db);

}  // namespace rapport::storage::sqlite
