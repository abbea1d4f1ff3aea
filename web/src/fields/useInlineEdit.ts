// Editing one field in place, as record pages and list cells both do: the draft, the
// client's check (the same as the server's), the message under the input, and the
// keyboard focus returning to `returnTo` when editing ends.
import { useEffect, useRef, useState, type RefObject } from "react";
import { ApiError } from "../api/client";
import type { FieldMeta, FieldValue } from "../api/types";
import { toApiValue, validate } from "./format";
import { toInputValue } from "./registry";

export interface InlineEdit {
  editing: boolean;
  draft: FieldValue;
  setDraft: (value: FieldValue) => void;
  error: string | null;
  start: () => void;
  // Ends editing; the focus goes back to `returnTo`.
  stop: () => void;
  // Editing again with `value`, after the server refused it (`failed` says why).
  reopen: (value: FieldValue) => void;
  // The draft as the API takes it, or undefined when the client's check refuses it
  // (its message is then shown).
  checked: (value: FieldValue) => FieldValue | undefined;
  // Shows the server's message for this field (or its general one).
  failed: (error: unknown) => void;
}

export function useInlineEdit(field: FieldMeta, current: FieldValue, returnTo: RefObject<HTMLElement | null>): InlineEdit {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<FieldValue>(null);
  const [error, setError] = useState<string | null>(null);
  const refocus = useRef(false);
  useEffect(() => {
    if (!editing && refocus.current) {
      refocus.current = false;
      returnTo.current?.focus();
    }
  }, [editing, returnTo]);

  return {
    editing,
    draft,
    setDraft,
    error,
    start: () => {
      if (field.read_only) return;
      setDraft(toInputValue(field, current));
      setError(null);
      setEditing(true);
    },
    stop: () => {
      refocus.current = true;
      setEditing(false);
    },
    reopen: (value) => {
      setDraft(value);
      setEditing(true);
    },
    checked: (value) => {
      const problem = validate(field, value);
      if (problem) {
        setError(problem);
        return undefined;
      }
      return toApiValue(field, value);
    },
    failed: (e) => setError(e instanceof ApiError ? e.errorFor(field.name) ?? e.message : String(e)),
  };
}
