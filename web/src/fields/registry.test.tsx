import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryRouter } from "react-router";
import type { FieldMeta, FieldType } from "../api/types";
import { FieldDisplay, FieldInput, fieldKinds } from "./registry";

afterEach(cleanup);

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
