import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryRouter } from "react-router";
import type { FieldMeta, FieldType } from "../api/types";
import { forgetWorkspaceCurrency, rememberWorkspaceCurrency } from "../api/workspaceCurrency";
import { FieldDisplay, FieldInput, fieldKinds } from "./registry";

afterEach(() => {
  cleanup();
  forgetWorkspaceCurrency();
  vi.unstubAllGlobals();
});

const workspaceAnswer = (currency: string) =>
  new Response(JSON.stringify({ time_zone: "UTC", fiscal_year_start: 1, currency, updated_at: null }), { status: 200, headers: { "Content-Type": "application/json" } });

const field = (type: FieldType, extra: Partial<FieldMeta> = {}): FieldMeta => ({
  name: "f", label: "Field", type, required: false, unique: false, read_only: false, custom: false, sortable: true, ...extra,
});

describe("the field type registry", () => {
  it("has a display and an input for every field type", () => {
    const types: FieldType[] = ["id", "text", "long_text", "email", "phone", "url", "integer", "decimal", "percent", "currency", "boolean", "date", "datetime", "picklist", "multi_picklist", "lookup"];
    for (const t of types) {
      expect(fieldKinds[t].Display, t).toBeTypeOf("function");
      expect(fieldKinds[t].Input, t).toBeTypeOf("function");
    }
  });

  it("shows picklist labels, links emails and formats money per currency", () => {
    render(
      <MemoryRouter>
        <FieldDisplay field={field("picklist", { options: [{ value: "won", label: "Closed won" }] })} value="won" />
        <FieldDisplay field={field("email")} value="ann@example.com" />
        <FieldDisplay field={field("currency")} value={{ amount: "1234.50", currency: "EUR" }} />
      </MemoryRouter>,
    );
    expect(screen.getByText("Closed won")).toBeTruthy();
    expect(screen.getByRole("link", { name: "ann@example.com" }).getAttribute("href")).toBe("mailto:ann@example.com");
    expect(screen.getByText(/1,234\.50/)).toBeTruthy();
  });

  it("edits a currency as amount and code", () => {
    const onChange = vi.fn();
    render(<FieldInput field={field("currency", { label: "Amount" })} id="amount" value={{ amount: "10", currency: "USD" }} onChange={onChange} />);
    fireEvent.change(screen.getByLabelText("Amount currency"), { target: { value: "EUR" } });
    expect(onChange).toHaveBeenLastCalledWith({ amount: "10", currency: "EUR" });
    // Typing fires input events (React's onChange and Preact's both follow them).
    fireEvent.input(document.getElementById("amount")!, { target: { value: "12.5" } });
    expect(onChange).toHaveBeenLastCalledWith({ amount: "12.5", currency: "USD" });
  });

  it("starts an empty money input in the workspace's currency, and typing keeps it", async () => {
    const fetch = vi.fn(async () => workspaceAnswer("EUR"));
    vi.stubGlobal("fetch", fetch);
    const onChange = vi.fn();
    render(<FieldInput field={field("currency", { label: "Amount" })} id="amount" value={null} onChange={onChange} />);
    const currency = screen.getByLabelText("Amount currency") as HTMLSelectElement;
    expect(currency.value).toBe("USD");  // while it is asked for
    await waitFor(() => expect(currency.value).toBe("EUR"));
    fireEvent.input(document.getElementById("amount")!, { target: { value: "250" } });
    expect(onChange).toHaveBeenLastCalledWith({ amount: "250", currency: "EUR" });
    expect(fetch).toHaveBeenCalledTimes(1);
    // Another money input (a second form, a list cell) asks nothing more.
    cleanup();
    render(<FieldInput field={field("currency", { label: "Price" })} id="price" value={null} onChange={() => {}} />);
    expect((screen.getByLabelText("Price currency") as HTMLSelectElement).value).toBe("EUR");
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("falls back to USD when the workspace's settings cannot be read", async () => {
    const fetch = vi.fn(async () => new Response("{}", { status: 500 }));
    vi.stubGlobal("fetch", fetch);
    const onChange = vi.fn();
    render(<FieldInput field={field("currency", { label: "Amount" })} id="amount" value={null} onChange={onChange} />);
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    await new Promise((r) => setTimeout(r, 0));
    expect((screen.getByLabelText("Amount currency") as HTMLSelectElement).value).toBe("USD");
    fireEvent.input(document.getElementById("amount")!, { target: { value: "9" } });
    expect(onChange).toHaveBeenLastCalledWith({ amount: "9", currency: "USD" });
  });

  it("never puts the workspace's currency over a money value of the input's own", async () => {
    const fetch = vi.fn(async () => workspaceAnswer("EUR"));
    vi.stubGlobal("fetch", fetch);
    const onChange = vi.fn();
    // Chosen before any amount was typed (or saved so): kept, and nothing is asked for.
    render(<FieldInput field={field("currency", { label: "Amount" })} id="amount" value={{ amount: "", currency: "GBP" }} onChange={onChange} />);
    rememberWorkspaceCurrency("EUR");
    await new Promise((r) => setTimeout(r, 0));
    expect((screen.getByLabelText("Amount currency") as HTMLSelectElement).value).toBe("GBP");
    fireEvent.input(document.getElementById("amount")!, { target: { value: "5" } });
    expect(onChange).toHaveBeenLastCalledWith({ amount: "5", currency: "GBP" });
    expect(fetch).not.toHaveBeenCalled();
  });

  it("offers the workspace's currency though it is not among the usual ones, and follows a change of it", async () => {
    rememberWorkspaceCurrency("XAF");
    render(<FieldInput field={field("currency", { label: "Amount" })} id="amount" value={null} onChange={() => {}} />);
    const currency = screen.getByLabelText("Amount currency") as HTMLSelectElement;
    expect(currency.value).toBe("XAF");
    expect([...currency.options].map((o) => o.value)).toContain("EUR");
    rememberWorkspaceCurrency("NOK");  // saved in Settings → Workspace meanwhile
    await waitFor(() => expect(currency.value).toBe("NOK"));
  });

  it("keeps multi-select values in option order", () => {
    const onChange = vi.fn();
    const options = [{ value: "a", label: "A" }, { value: "b", label: "B" }, { value: "c", label: "C" }];
    render(<FieldInput field={field("multi_picklist", { options })} id="m" value={["c"]} onChange={onChange} />);
    fireEvent.click(screen.getByLabelText("A"));
    expect(onChange).toHaveBeenLastCalledWith(["a", "c"]);
  });

  it("marks invalid and required inputs for assistive technology", () => {
    render(<FieldInput field={field("text", { required: true })} id="t" value="" onChange={() => {}} invalid describedBy="t-error" />);
    const input = document.getElementById("t")!;
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(input.getAttribute("aria-required")).toBe("true");
    expect(input.getAttribute("aria-describedby")).toBe("t-error");
  });
});
