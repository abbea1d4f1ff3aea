// The workspace's settings (its calendar and currency) and its dated exchange rates
// into that currency (docs/api.md): everyone reads them, administrators change them.
import { api } from "./client";
import { rememberWorkspaceCurrency } from "./workspaceCurrency";

export interface WorkspaceSettings {
  time_zone: string;
  fiscal_year_start: number;  // 1 (January) to 12
  currency: string;           // ISO 4217: what reports convert money into
  updated_at: string | null;
}

export interface ExchangeRate {
  currency: string;
  valid_from: string;         // "YYYY-MM-DD"
  valid_until: string | null; // the currency's next rate's first day; null for its latest
  rate: string;               // one unit of `currency` in the workspace's currency, "1.0825"
  updated_at: string;
}

export interface ExchangeRates {
  currency: string;           // the workspace's
  data: ExchangeRate[];
}

export type WorkspaceChanges = Partial<Pick<WorkspaceSettings, "time_zone" | "fiscal_year_start" | "currency">>;

const ratePath = (currency: string, validFrom: string) =>
  `/settings/exchange-rates/${encodeURIComponent(currency)}/${encodeURIComponent(validFrom)}`;

// Settings read or saved here also tell new money inputs the currency to start in.
function remembered(settings: WorkspaceSettings): WorkspaceSettings {
  rememberWorkspaceCurrency(settings.currency);
  return settings;
}

export const workspaceApi = {
  settings: () => api.get<WorkspaceSettings>("/settings/workspace").then(remembered),
  update: (changes: WorkspaceChanges) => api.patch<WorkspaceSettings>("/settings/workspace", changes).then(remembered),
  rates: () => api.get<ExchangeRates>("/settings/exchange-rates"),
  setRate: (currency: string, validFrom: string, rate: string) => api.put<ExchangeRate>(ratePath(currency, validFrom), { rate }),
  deleteRate: (currency: string, validFrom: string) => api.delete(ratePath(currency, validFrom)),
};

// Only the members that differ from what is saved: a PATCH changes nothing else (and
// the currency, refused while rates exist, is sent only when it was changed).
export function workspaceChanges(saved: WorkspaceSettings, edited: Omit<WorkspaceSettings, "updated_at">): WorkspaceChanges {
  const changes: WorkspaceChanges = {};
  if (edited.time_zone.trim() !== saved.time_zone) changes.time_zone = edited.time_zone.trim();
  if (edited.fiscal_year_start !== saved.fiscal_year_start) changes.fiscal_year_start = edited.fiscal_year_start;
  const currency = edited.currency.trim().toUpperCase();
  if (currency !== saved.currency) changes.currency = currency;
  return changes;
}
