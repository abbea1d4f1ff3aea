// Formatting and client-side checks per field type. The checks mirror the server's
// (src/metadata/field_types.cc) so a form can say what is wrong before a round trip;
// the server stays the authority and its problem+json is shown the same way.
import type { FieldMeta, FieldValue, Money } from "../api/types";

const locale = typeof navigator === "undefined" ? "en-US" : navigator.language || "en-US";

export function isMoney(value: unknown): value is Money {
  return typeof value === "object" && value !== null && "amount" in value && "currency" in value;
}

export function isEmpty(value: FieldValue | undefined): boolean {
  return value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
}

export function formatMoney(money: Money, compact = false): string {
  const amount = Number(money.amount);
  try {
    return new Intl.NumberFormat(locale, {
      style: "currency",
      currency: money.currency,
      notation: compact ? "compact" : "standard",
      maximumFractionDigits: compact ? 1 : 2,
    }).format(amount);
  } catch {
    return `${money.amount} ${money.currency}`;
  }
}

export function formatNumber(value: number, maxDigits = 4): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: maxDigits }).format(value);
}

// Dates are calendar days with no time zone: format them as such (never through UTC).
export function formatDate(value: string): string {
  const [y, m, d] = value.split("-").map(Number);
  if (!y || !m || !d) return value;
  return new Date(y, m - 1, d).toLocaleDateString(locale, { year: "numeric", month: "short", day: "numeric" });
}

export function formatDateTime(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleString(locale, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function relativeTime(value: string, now = Date.now()): string {
  const seconds = Math.round((new Date(value).getTime() - now) / 1000);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60],
  ];
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(seconds, "second");
}

export function optionLabel(field: FieldMeta, value: string): string {
  return field.options?.find((o) => o.value === value)?.label ?? value;
}

// The readable text of a value, for plain contexts (titles, CSV, search results).
export function valueText(field: FieldMeta, value: FieldValue | undefined): string {
  if (isEmpty(value)) return "";
  switch (field.type) {
    case "currency": return isMoney(value) ? formatMoney(value) : String(value);
    case "date": return formatDate(String(value));
    case "datetime": return formatDateTime(String(value));
    case "boolean": return value ? "Yes" : "No";
    case "percent": return `${formatNumber(Number(value), 2)} %`;
    case "integer": case "decimal": return formatNumber(Number(value));
    case "picklist": return optionLabel(field, String(value));
    case "multi_picklist": return (value as string[]).map((v) => optionLabel(field, v)).join(", ");
    default: return String(value);
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DECIMAL = /^-?\d+(\.\d{1,4})?$/;
const MONEY = /^-?\d+(\.\d{1,2})?$/;

// Why `value` is not acceptable for `field`, or null. Mirrors the server's checks.
export function validate(field: FieldMeta, value: FieldValue | undefined): string | null {
  if (isEmpty(value)) return field.required ? `${field.label} is required.` : null;
  switch (field.type) {
    case "text": case "long_text": {
      const max = field.max_length ?? (field.type === "text" ? 255 : 100000);
      const length = [...String(value)].length;
      return length > max ? `At most ${max} characters (this has ${length}).` : null;
    }
    case "email":
      return EMAIL.test(String(value).trim()) ? null : "Enter an email address like name@example.com.";
    case "phone": {
      const text = String(value).replace(/\s*(ext\.?|x|#)\s*\d+$/i, "");
      if (!/^\+?[\d\s().\-/]+$/.test(text)) return "Use digits, an optional leading +, and separators.";
      const digits = text.replace(/\D/g, "").length;
      return digits >= 7 && digits <= 15 ? null : "A phone number has 7 to 15 digits.";
    }
    case "url": {
      const text = String(value).trim();
      if (/^[a-z][a-z0-9+.-]*:/i.test(text) && !/^https?:\/\//i.test(text)) return "Only http and https links.";
      try {
        const url = new URL(/^https?:\/\//i.test(text) ? text : `https://${text}`);
        return url.hostname.includes(".") ? null : "Enter a web address like example.com.";
      } catch {
        return "Enter a web address like example.com.";
      }
    }
    case "integer": case "decimal": case "percent": {
      const text = String(value).trim();
      if (field.type === "integer" ? !/^-?\d+$/.test(text) : !DECIMAL.test(text)) {
        return field.type === "integer" ? "Enter a whole number." : "Enter a number with at most 4 decimals.";
      }
      const n = Number(text);
      const min = field.type === "percent" ? Math.max(0, field.min_value ?? 0) : field.min_value;
      const max = field.type === "percent" ? Math.min(100, field.max_value ?? 100) : field.max_value;
      if (min !== undefined && n < min) return `At least ${formatNumber(min)}.`;
      if (max !== undefined && n > max) return `At most ${formatNumber(max)}.`;
      return null;
    }
    case "currency": {
      if (!isMoney(value)) return "Enter an amount.";
      if (value.amount === "") return field.required ? `${field.label} is required.` : null;
      if (!MONEY.test(value.amount.trim())) return "Enter an amount with at most 2 decimals.";
      return /^[A-Z]{3}$/.test(value.currency) ? null : "Choose a currency.";
    }
    case "date": {
      const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value));
      if (!match) return "Enter a date.";
      const date = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
      return date.getUTCDate() === +match[3] && date.getUTCMonth() === +match[2] - 1 ? null : "No such date.";
    }
    case "datetime":
      return Number.isNaN(new Date(String(value)).getTime()) ? "Enter a date and time." : null;
    case "picklist":
      return field.options?.some((o) => o.value === value) ? null : "Choose one of the options.";
    case "multi_picklist":
      return (value as string[]).every((v) => field.options?.some((o) => o.value === v)) ? null : "Choose from the options.";
    default:
      return null;
  }
}

// The JSON the API expects for what an input holds (inputs keep numbers as text).
export function toApiValue(field: FieldMeta, value: FieldValue | undefined): FieldValue {
  if (isEmpty(value)) return null;
  switch (field.type) {
    case "integer": case "decimal": case "percent": return Number(String(value).trim());
    case "currency": return isMoney(value) && value.amount.trim() !== "" ? { amount: value.amount.trim(), currency: value.currency } : null;
    case "datetime": return new Date(String(value)).toISOString();
    default: return value as FieldValue;
  }
}
