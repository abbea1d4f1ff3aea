// A Connection that runs each statement on another after showing its text to a hook:
// the shape of storage's decorators (statement observation, write tracking). Private
// to storage/.
#pragma once

#include <functional>
#include <span>
#include <string_view>

#include "storage/database.h"

namespace rapport::storage::internal {

class ForwardingConnection : public Connection {
 public:
  explicit ForwardingConnection(Connection& inner) : inner_(inner) {}

  Result<QueryResult> Query(std::string_view sql, std::span<const Value> params) override {
    Saw(sql);
    return inner_.Query(sql, params);
  }
  Status ForEach(std::string_view sql, std::span<const Value> params,
                 const std::function<bool(std::span<const Value> row)>& on_row) override {
    Saw(sql);
    return inner_.ForEach(sql, params, on_row);
  }
  Result<int64_t> Execute(std::string_view sql, std::span<const Value> params) override {
    Saw(sql);
    return inner_.Execute(sql, params);
  }
  Status ExecuteScript(std::string_view sql) override {
    Saw(sql);
    return inner_.ExecuteScript(sql);
  }
  const SqlDialect& dialect() const override { return inner_.dialect(); }
  void WritesFor(std::string_view tenant_id) override { inner_.WritesFor(tenant_id); }
  void Appends(std::string_view table, std::string_view id) override { inner_.Appends(table, id); }

 protected:
  // Called with each statement's text before it runs.
  virtual void Saw(std::string_view sql) = 0;

 private:
  Connection& inner_;
};

}  // namespace rapport::storage::internal
