// The workspace's currency as this tab knows it: what an empty money input starts in
// (fields/registry.tsx). It is asked for once, when the first empty money input is
// drawn (never on the first page load), and kept up to date by whatever else reads or
// changes the workspace's settings (api/workspace.ts). Until it is known, or if asking
// failed (the next empty money input asks again), it is USD. Kept apart from
// api/workspace.ts so the first page's code carries only this much of it.
import { useEffect, useState } from "react";
import { api } from "./client";

export const FALLBACK_CURRENCY = "USD";

let known: string | null = null;
let asking: Promise<string> | null = null;
// Bumped by every newer word on the currency (settings saved, signing out), so an
// answer asked for before it cannot put an older currency back.
let generation = 0;
const listeners = new Set<() => void>();

function tell(): void {
  listeners.forEach((listener) => listener());
}

// The workspace's settings as read or saved elsewhere in the app: their currency is
// the one new money inputs start in from now on.
export function rememberWorkspaceCurrency(currency: string): void {
  if (!currency) return;
  generation++;
  asking = null;
  if (known === currency) return;
  known = currency;
  tell();
}

// Signing out, or another user: the next money input asks again.
export function forgetWorkspaceCurrency(): void {
  generation++;
  known = null;
  asking = null;
}

// The currency known so far, or the fallback.
export function workspaceCurrency(): string {
  return known ?? FALLBACK_CURRENCY;
}

// The workspace's currency, asked for at most once at a time (and not again once known).
export function loadWorkspaceCurrency(): Promise<string> {
  if (known) return Promise.resolve(known);
  if (!asking) {
    const asked = generation;
    const request: Promise<string> = api.get<{ currency: string }>("/settings/workspace").then(
      (settings) => {
        if (generation === asked) rememberWorkspaceCurrency(settings.currency);
        return workspaceCurrency();
      },
      () => {
        if (asking === request) asking = null;  // asked again by the next money input
        return workspaceCurrency();
      },
    );
    asking = request;
  }
  return asking;
}

// The currency an empty money input starts in; `wanted` is false while the input has a
// money value of its own, which never changes for it (and nothing is asked for).
export function useWorkspaceCurrency(wanted = true): string {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((t) => t + 1);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  useEffect(() => {
    if (wanted && !known) void loadWorkspaceCurrency();
  }, [wanted]);
  return workspaceCurrency();
}
