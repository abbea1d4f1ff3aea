// The field type registry of the web app, the counterpart of the server's: each field
// type has one Display (how a value reads in lists, cards and record pages) and one
// Input (how it is edited in forms and inline). Pages never switch on field types
// themselves; a custom object's fields get the same components as standard ones.
import type { ReactNode } from "react";
import { Link } from "react-router";
import type { FieldMeta, FieldType, FieldValue, Money } from "../api/types";
import { formatDate, formatDateTime, formatMoney, formatNumber, isEmpty, isMoney, optionLabel } from "./format";
import { LookupInput } from "./LookupInput";
import { useTitle } from "../lib/titles";
import { useWorkspaceCurrency } from "../api/workspaceCurrency";

export interface DisplayProps {
  field: FieldMeta;
  value: FieldValue | undefined;
  compact?: boolean;
  // Inside something that is itself a link (a card): no links of its own.
  plain?: boolean;
}

export interface InputProps {
  field: FieldMeta;
  value: FieldValue | undefined;
  onChange: (value: FieldValue) => void;
  id: string;
  invalid?: boolean;
  describedBy?: string;
  autoFocus?: boolean;
}

interface FieldKind {
  Display: (props: DisplayProps) => ReactNode;
  Input: (props: InputProps) => ReactNode;
}

export const CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "CNY", "INR", "BRL", "SEK", "NOK", "DKK", "PLN", "MXN", "SGD", "ZAR"];

function inputAttrs(props: InputProps) {
  return {
    id: props.id,
    "aria-invalid": props.invalid || undefined,
    "aria-describedby": props.describedBy,
    "aria-required": props.field.required || undefined,
    autoFocus: props.autoFocus,
    disabled: props.field.read_only,
  };
}

function text(value: FieldValue | undefined): string {
  return isEmpty(value) ? "" : String(value);
}

function PlainDisplay({ value }: DisplayProps) {
  return <>{text(value)}</>;
}

function textInput(type: string, inputMode?: "email" | "tel" | "url" | "decimal" | "numeric", autoComplete?: string) {
  return function TextInput(props: InputProps) {
    return (
      <input
        {...inputAttrs(props)}
        className="input"
        type={type}
        inputMode={inputMode}
        autoComplete={autoComplete ?? "off"}
        maxLength={props.field.max_length}
        value={text(props.value)}
        onChange={(e) => props.onChange(e.target.value)}
      />
    );
  };
}

function LongTextDisplay({ value, compact }: DisplayProps) {
  if (compact) return <span className="truncate">{text(value)}</span>;
  return <span className="prewrap">{text(value)}</span>;
}

function LongTextInput(props: InputProps) {
  return (
    <textarea
      {...inputAttrs(props)}
      className="input"
      rows={4}
      value={text(props.value)}
      onChange={(e) => props.onChange(e.target.value)}
    />
  );
}

function EmailDisplay({ value, plain }: DisplayProps) {
  if (plain) return <>{text(value)}</>;
  return isEmpty(value) ? null : <a href={`mailto:${text(value)}`} onClick={(e) => e.stopPropagation()}>{text(value)}</a>;
}

function PhoneDisplay({ value, plain }: DisplayProps) {
  if (plain) return <>{text(value)}</>;
  return isEmpty(value) ? null : <a href={`tel:${text(value).replace(/[^\d+]/g, "")}`} onClick={(e) => e.stopPropagation()}>{text(value)}</a>;
}

function UrlDisplay({ value, plain }: DisplayProps) {
  if (isEmpty(value)) return null;
  const href = text(value);
  if (plain) return <>{href.replace(/^https?:\/\/(www\.)?/, "")}</>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer" onClick={(e) => e.stopPropagation()}>
      {href.replace(/^https?:\/\/(www\.)?/, "").replace(/\/$/, "")}
    </a>
  );
}

function NumberDisplay({ value, field }: DisplayProps) {
  if (isEmpty(value)) return null;
  const n = Number(value);
  return <span className="num">{field.type === "percent" ? `${formatNumber(n, 2)} %` : formatNumber(n)}</span>;
}

function CurrencyDisplay({ value, compact }: DisplayProps) {
  return isMoney(value) ? <span className="num">{formatMoney(value, compact)}</span> : null;
}

// An input without a money value yet starts in the workspace's currency (USD until it is
// known); what it shows is what it hands on, so typing an amount keeps that currency. A
// value of its own (typed, chosen or saved) keeps its currency whatever the workspace's.
function CurrencyInput(props: InputProps) {
  const workspaceCurrency = useWorkspaceCurrency(!isMoney(props.value));
  const money: Money = isMoney(props.value) ? props.value : { amount: "", currency: workspaceCurrency };
  const currencies = CURRENCIES.includes(money.currency) ? CURRENCIES : [money.currency, ...CURRENCIES];
  return (
    <div className="input-group">
      <input
        {...inputAttrs(props)}
        className="input num"
        inputMode="decimal"
        autoComplete="off"
        value={money.amount}
        onChange={(e) => props.onChange({ ...money, amount: e.target.value })}
      />
      <select
        className="input currency"
        aria-label={`${props.field.label} currency`}
        disabled={props.field.read_only}
        value={money.currency}
        onChange={(e) => props.onChange({ ...money, currency: e.target.value })}
      >
        {currencies.map((c) => <option key={c}>{c}</option>)}
      </select>
    </div>
  );
}

function BooleanDisplay({ value }: DisplayProps) {
  if (value === null || value === undefined) return null;
  return <span className={value ? "bool yes" : "bool no"}>{value ? "Yes" : "No"}</span>;
}

function BooleanInput(props: InputProps) {
  return (
    <input
      {...inputAttrs(props)}
      className="checkbox"
      type="checkbox"
      checked={props.value === true}
      onChange={(e) => props.onChange(e.target.checked)}
    />
  );
}

function DateDisplay({ value }: DisplayProps) {
  return isEmpty(value) ? null : <time dateTime={text(value)}>{formatDate(text(value))}</time>;
}

function DateInput(props: InputProps) {
  return <input {...inputAttrs(props)} className="input" type="date" value={text(props.value)} onChange={(e) => props.onChange(e.target.value)} />;
}

function DateTimeDisplay({ value }: DisplayProps) {
  return isEmpty(value) ? null : <time dateTime={text(value)}>{formatDateTime(text(value))}</time>;
}

// datetime-local speaks the browser's local time; the API speaks UTC.
export function toLocalInput(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function DateTimeInput(props: InputProps) {
  return (
    <input
      {...inputAttrs(props)}
      className="input"
      type="datetime-local"
      value={isEmpty(props.value) ? "" : toLocalInput(text(props.value))}
      onChange={(e) => props.onChange(e.target.value === "" ? null : new Date(e.target.value).toISOString())}
    />
  );
}

// Picklist values get a stable colour from their position, so "won" always looks alike.
function badgeTone(field: FieldMeta, value: string): number {
  const index = field.options?.findIndex((o) => o.value === value) ?? -1;
  return index < 0 ? 0 : index % 8;
}

function PicklistDisplay({ value, field }: DisplayProps) {
  if (isEmpty(value)) return null;
  const v = text(value);
  return <span className={`badge tone-${badgeTone(field, v)}`}>{optionLabel(field, v)}</span>;
}

function PicklistInput(props: InputProps) {
  return (
    <select {...inputAttrs(props)} className="input" value={text(props.value)} onChange={(e) => props.onChange(e.target.value || null)}>
      <option value="">{props.field.required ? "Choose…" : "—"}</option>
      {props.field.options?.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
    </select>
  );
}

function MultiPicklistDisplay({ value, field }: DisplayProps) {
  if (!Array.isArray(value) || value.length === 0) return null;
  return (
    <span className="badges">
      {value.map((v) => <span key={v} className={`badge tone-${badgeTone(field, v)}`}>{optionLabel(field, v)}</span>)}
    </span>
  );
}

function MultiPicklistInput(props: InputProps) {
  const selected = Array.isArray(props.value) ? props.value : [];
  return (
    <div className="checks" role="group" aria-labelledby={`${props.id}-label`} aria-describedby={props.describedBy} aria-invalid={props.invalid || undefined}>
      {props.field.options?.map((o, i) => (
        <label key={o.value} className="check">
          <input
            type="checkbox"
            id={i === 0 ? props.id : undefined}
            disabled={props.field.read_only}
            checked={selected.includes(o.value)}
            onChange={(e) =>
              props.onChange(
                props.field.options!.map((x) => x.value).filter((v) => (v === o.value ? e.target.checked : selected.includes(v))),
              )
            }
          />
          {o.label}
        </label>
      ))}
    </div>
  );
}

function LookupDisplay({ value, field, plain }: DisplayProps) {
  const id = isEmpty(value) ? null : text(value);
  const title = useTitle(field.target, id);
  if (!id || !field.target) return null;
  if (title === null) return <span className="muted" title="Not visible to you">Hidden record</span>;
  if (plain) return <>{title ?? "…"}</>;
  return (
    <Link to={`/o/${field.target}/${id}`} onClick={(e) => e.stopPropagation()}>
      {title ?? "…"}
    </Link>
  );
}

function IdDisplay({ value }: DisplayProps) {
  return <code className="muted">{text(value)}</code>;
}

export const fieldKinds: Record<FieldType, FieldKind> = {
  id: { Display: IdDisplay, Input: textInput("text") },
  text: { Display: PlainDisplay, Input: textInput("text") },
  long_text: { Display: LongTextDisplay, Input: LongTextInput },
  email: { Display: EmailDisplay, Input: textInput("email", "email", "email") },
  phone: { Display: PhoneDisplay, Input: textInput("tel", "tel", "tel") },
  url: { Display: UrlDisplay, Input: textInput("url", "url", "url") },
  integer: { Display: NumberDisplay, Input: textInput("text", "numeric") },
  decimal: { Display: NumberDisplay, Input: textInput("text", "decimal") },
  percent: { Display: NumberDisplay, Input: textInput("text", "decimal") },
  currency: { Display: CurrencyDisplay, Input: CurrencyInput },
  boolean: { Display: BooleanDisplay, Input: BooleanInput },
  date: { Display: DateDisplay, Input: DateInput },
  datetime: { Display: DateTimeDisplay, Input: DateTimeInput },
  picklist: { Display: PicklistDisplay, Input: PicklistInput },
  multi_picklist: { Display: MultiPicklistDisplay, Input: MultiPicklistInput },
  lookup: { Display: LookupDisplay, Input: LookupInput },
};

export function FieldDisplay(props: DisplayProps) {
  const { Display } = fieldKinds[props.field.type] ?? fieldKinds.text;
  return <Display {...props} />;
}

export function FieldInput(props: InputProps) {
  const { Input } = fieldKinds[props.field.type] ?? fieldKinds.text;
  return <Input {...props} />;
}

// Numbers are edited as text (so "12." can be typed); this is what an input starts with.
export function toInputValue(field: FieldMeta, value: FieldValue | undefined): FieldValue {
  if (value === undefined) return null;
  if ((field.type === "integer" || field.type === "decimal" || field.type === "percent") && typeof value === "number") {
    return String(value);
  }
  return value;
}
