// The workspace's settings for administrators: its calendar (the time zone reports'
// dates and schedules count in, the month its fiscal year starts), its currency, and
// the dated exchange rates reports convert other currencies into it with
// (docs/reports.md). The server checks everything; its errors show on their controls.
import { useCallback, useEffect, useState } from "react";
import { ApiError } from "../../api/client";
import { workspaceApi, workspaceChanges, type ExchangeRates, type WorkspaceSettings } from "../../api/workspace";
import { useToast } from "../../components/toast";
import { ErrorBanner, FormRow, Pending, unnamedError, useSubmit } from "../../components/ui";
import { CURRENCIES } from "../../fields/registry";

export const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
  "November", "December"];


const asApiError = (e: unknown) => (e instanceof ApiError ? e : new ApiError({ status: 0, detail: String(e) }));

export function WorkspacePage() {
  const [settings, setSettings] = useState<WorkspaceSettings | null>(null);
  const [rates, setRates] = useState<ExchangeRates | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const [s, r] = await Promise.all([workspaceApi.settings(), workspaceApi.rates()]);
      setSettings(s);
      setRates(r);
      setLoadError(null);
    } catch (e) {
      setLoadError(asApiError(e).message);
    }
  }, []);
  useEffect(() => void load(), [load]);
  const reloadRates = useCallback(async () => setRates(await workspaceApi.rates()), []);

  return (
    <>
      <div className="page-head">
        <h1>Workspace</h1>
      </div>
      {loadError && <ErrorBanner error={loadError} onRetry={() => void load()} />}
      <datalist id="workspace-currencies">{CURRENCIES.map((c) => <option key={c} value={c} />)}</datalist>
      <section aria-labelledby="workspace-calendar-title">
        <h2 id="workspace-calendar-title">Calendar and currency</h2>
        {!settings ? <Pending /> : (
          <SettingsForm key={settings.updated_at ?? ""} saved={settings} hasRates={(rates?.data.length ?? 0) > 0}
            onSaved={(s) => { setSettings(s); void reloadRates(); }} />
        )}
      </section>
      <section aria-labelledby="workspace-rates-title">
        <h2 id="workspace-rates-title">Exchange rates</h2>
        {!rates ? <Pending /> : <Rates rates={rates} onChanged={reloadRates} />}
      </section>
    </>
  );
}

function SettingsForm({ saved, hasRates, onSaved }: { saved: WorkspaceSettings; hasRates: boolean; onSaved: (s: WorkspaceSettings) => void }) {
  const toast = useToast();
  const [timeZone, setTimeZone] = useState(saved.time_zone);
  const [fiscalStart, setFiscalStart] = useState(saved.fiscal_year_start);
  const [currency, setCurrency] = useState(saved.currency);
  const [zones] = useState(() => Intl.supportedValuesOf?.("timeZone") ?? []);

  const { submit: save, busy, error } = useSubmit(async () => {
    const next = await workspaceApi.update(workspaceChanges(saved, { time_zone: timeZone, fiscal_year_start: fiscalStart, currency }));
    toast("Workspace settings saved.");
    onSaved(next);
  });
  const named = (field: string) => error?.errorFor(field);
  const unnamed = unnamedError(error, ["time_zone", "fiscal_year_start", "currency"]);

  return (
    <form onSubmit={save}>
      {unnamed && <p className="banner error" role="alert">{unnamed}</p>}
      <div className="form-grid">
        <FormRow id="workspace-time-zone" label="Time zone" required error={named("time_zone")}
          hint="Reports' dates, date groupings and schedules count in it.">
          <input id="workspace-time-zone" className="input" required list="workspace-time-zones" value={timeZone}
            aria-invalid={named("time_zone") ? true : undefined} aria-describedby="workspace-time-zone-error"
            onChange={(e) => setTimeZone(e.target.value)} />
          <datalist id="workspace-time-zones">{zones.map((z) => <option key={z} value={z} />)}</datalist>
        </FormRow>
        <FormRow id="workspace-fiscal-year" label="Fiscal year starts in" error={named("fiscal_year_start")}
          hint="Fiscal quarters and years of reports and KPIs start in it.">
          <select id="workspace-fiscal-year" className="input" value={fiscalStart}
            aria-invalid={named("fiscal_year_start") ? true : undefined} aria-describedby="workspace-fiscal-year-error"
            onChange={(e) => setFiscalStart(Number(e.target.value))}>
            {MONTHS.map((m, i) => <option key={m} value={i + 1}>{m}</option>)}
          </select>
        </FormRow>
        <FormRow id="workspace-currency" label="Currency" required error={named("currency")}
          hint={hasRates
            ? "Reports convert money into it. The exchange rates are into it: delete them to change it."
            : "Reports convert money into it, with the exchange rates below."}>
          <input id="workspace-currency" className="input mono" required maxLength={3} list="workspace-currencies" value={currency}
            autoComplete="off" spellCheck={false}
            aria-invalid={named("currency") ? true : undefined} aria-describedby="workspace-currency-error"
            onChange={(e) => setCurrency(e.target.value.toUpperCase())} />
        </FormRow>
      </div>
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={busy}>Save settings</button>
      </div>
    </form>
  );
}

function Rates({ rates, onChanged }: { rates: ExchangeRates; onChanged: () => Promise<void> }) {
  const toast = useToast();
  const [busy, setBusy] = useState<string | null>(null);
  const remove = async (currency: string, validFrom: string) => {
    if (!window.confirm(`Delete the ${currency} rate from ${validFrom}?`)) return;
    setBusy(`${currency}/${validFrom}`);
    try {
      await workspaceApi.deleteRate(currency, validFrom);
      toast("Rate deleted.");
      await onChanged();
    } catch (e) {
      toast(asApiError(e).message, { tone: "error" });
    } finally {
      setBusy(null);
    }
  };
  return (
    <>
      <p className="muted">
        What one unit of a currency is worth in {rates.currency}, from its first day until its next rate (before its first
        rate, the first applies). Converted reports add up money with them; a currency without a rate stays apart.
      </p>
      {rates.data.length === 0 ? <p className="muted">No exchange rates yet.</p> : (
        <div className="table-scroll">
          <table className="table exchange-rates">
            <thead>
              <tr>
                <th scope="col">Currency</th><th scope="col">From</th><th scope="col">Until</th>
                <th scope="col" className="number">Rate (in {rates.currency})</th><th scope="col"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {rates.data.map((r) => (
                <tr key={`${r.currency}/${r.valid_from}`}>
                  <td className="mono">{r.currency}</td>
                  <td>{r.valid_from}</td>
                  <td>{r.valid_until ?? <span className="muted">Until changed</span>}</td>
                  <td className="number mono">{r.rate}</td>
                  <td className="actions">
                    <button type="button" className="button small danger" disabled={busy === `${r.currency}/${r.valid_from}`}
                      aria-label={`Delete the ${r.currency} rate from ${r.valid_from}`}
                      onClick={() => void remove(r.currency, r.valid_from)}>Delete</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <AddRate workspaceCurrency={rates.currency} onAdded={onChanged} />
    </>
  );
}

function AddRate({ workspaceCurrency, onAdded }: { workspaceCurrency: string; onAdded: () => Promise<void> }) {
  const toast = useToast();
  const [currency, setCurrency] = useState("");
  const [validFrom, setValidFrom] = useState("");
  const [rate, setRate] = useState("");
  const { submit, busy, error } = useSubmit(async () => {
    const saved = await workspaceApi.setRate(currency.trim(), validFrom, rate.trim());
    setRate("");
    toast(`1 ${saved.currency} = ${saved.rate} ${workspaceCurrency} from ${saved.valid_from}.`);
    await onAdded();
  });
  const named = (field: string) => error?.errorFor(field);
  const unnamed = unnamedError(error, ["currency", "valid_from", "rate"]);
  return (
    <form className="add-rate" onSubmit={submit} aria-labelledby="workspace-add-rate-title">
      <h3 id="workspace-add-rate-title">Add a rate</h3>
      {unnamed && <p className="banner error" role="alert">{unnamed}</p>}
      <div className="form-grid">
        <FormRow id="rate-currency" label="Currency" required error={named("currency")} hint="Its ISO code, such as USD.">
          <input id="rate-currency" className="input mono" required maxLength={3} list="workspace-currencies" value={currency}
            autoComplete="off" spellCheck={false}
            aria-invalid={named("currency") ? true : undefined} aria-describedby="rate-currency-error"
            onChange={(e) => setCurrency(e.target.value.toUpperCase())} />
        </FormRow>
        <FormRow id="rate-from" label="First day" required error={named("valid_from")} hint="A rate of the same day is replaced.">
          <input id="rate-from" className="input" type="date" required value={validFrom}
            aria-invalid={named("valid_from") ? true : undefined} aria-describedby="rate-from-error"
            onChange={(e) => setValidFrom(e.target.value)} />
        </FormRow>
        <FormRow id="rate-value" label={`Rate (1 unit in ${workspaceCurrency})`} required error={named("rate")}
          hint="Up to six decimals, such as 1.0825.">
          <input id="rate-value" className="input mono" required inputMode="decimal" value={rate}
            aria-invalid={named("rate") ? true : undefined} aria-describedby="rate-value-error"
            onChange={(e) => setRate(e.target.value)} />
        </FormRow>
      </div>
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={busy}>Add rate</button>
      </div>
    </form>
  );
}
