// The shapes of Rapport's REST API (docs/api.md) that the web app reads.

export type FieldType =
  | "id" | "text" | "long_text" | "email" | "phone" | "url" | "integer" | "decimal" | "percent"
  | "currency" | "boolean" | "date" | "datetime" | "picklist" | "multi_picklist" | "lookup";

export interface PicklistOption {
  value: string;
  label: string;
}

export interface FieldMeta {
  name: string;
  label: string;
  type: FieldType;
  required: boolean;
  unique: boolean;
  read_only: boolean;
  custom: boolean;
  sortable: boolean;
  options?: PicklistOption[];
  target?: string;
  max_length?: number;
  min_value?: number;
  max_value?: number;
  encryption?: string;
}

export type Scope = "none" | "own" | "team" | "all";

// What the signed-in user may do with an object's records (roles and token merged).
export interface ObjectPermissions {
  create: Scope;
  read: Scope;
  edit: Scope;
  delete: Scope;
  export: boolean;
}

export interface ObjectMeta {
  name: string;
  label: string;
  label_plural: string;
  custom: boolean;
  title_field: string;
  fields: FieldMeta[];
  permissions?: ObjectPermissions;
}

export interface Money {
  amount: string;
  currency: string;
}

export type FieldValue = string | number | boolean | null | string[] | Money;

// A record is flat: id, version, created_at, updated_at, created_by, owner_id, then the
// object's fields; `include=` embeds related records under the lookup's relation name.
export interface RecordData {
  id: string;
  version: number;
  [field: string]: FieldValue | RecordData | undefined;
}

export interface ListPage {
  data: RecordData[];
  next_cursor: string | null;
  total?: number;
}

export interface HistoryEntry {
  id: string;
  change: string;
  field: string | null;
  old: FieldValue;
  new: FieldValue;
  changed_by: string;
  changed_at: string;
}

export interface Session {
  user_id: string;
  tenant_id: string;
  is_admin: boolean;
  read_only: boolean;
  must_enrol_mfa: boolean;
  via: "session" | "token";
}

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
}
