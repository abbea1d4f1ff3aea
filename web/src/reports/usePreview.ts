// The report builder's live preview: the definition run (POST /reports/run) a short
// pause after it last changed, its result or the server's objections by control.
import { useEffect, useRef, useState } from "react";
import { ApiError, request } from "../api/client";
import { problemByControl, type Control } from "./builder";
import type { ReportDefinition, ReportResult } from "./types";

export const PREVIEW_DELAY_MS = 300;

export interface Preview {
  result: ReportResult | null;  // the last result (kept while a newer run is on its way)
  errors: Partial<Record<Control | "", string>>;
  running: boolean;
}

// Runs the definition a short pause after it last changed. A newer definition aborts
// the request before it (AbortController), so an old answer never replaces a newer one.
export function usePreview(definition: ReportDefinition, ready: boolean): Preview {
  const [state, setState] = useState<Preview>({ result: null, errors: {}, running: false });
  const body = JSON.stringify(definition);
  const hasFilter = definition.filter !== "";
  const latest = useRef(0);
  useEffect(() => {
    if (!ready) {
      setState((s) => (s.running ? { ...s, running: false } : s));
      return;
    }
    const controller = new AbortController();
    const ticket = ++latest.current;
    setState((s) => ({ ...s, running: true }));
    const timer = setTimeout(() => {
      request<ReportResult>("POST", "/reports/run", { body: JSON.parse(body), signal: controller.signal }).then(
        (r) => { if (ticket === latest.current) setState({ result: r.data, errors: {}, running: false }); },
        (e) => {
          if (controller.signal.aborted || ticket !== latest.current) return;
          const problem = e instanceof ApiError ? e : new ApiError({ status: 0, detail: String(e) });
          setState((s) => ({ result: s.result, errors: problemByControl(problem, hasFilter), running: false }));
        },
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [body, ready, hasFilter]);
  return state;
}
