// Transient confirmations ("Saved", "Deleted · Undo"), announced to screen readers.
import { createContext, useCallback, useContext, useState, type ReactNode } from "react";

interface Toast {
  id: number;
  text: string;
  tone: "info" | "error";
  action?: { label: string; run: () => void };
}

type Show = (text: string, options?: { tone?: "info" | "error"; action?: Toast["action"] }) => void;

const ToastContext = createContext<Show>(() => {});
let nextId = 1;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const show = useCallback<Show>((text, options) => {
    const toast = { id: nextId++, text, tone: options?.tone ?? "info", action: options?.action };
    setToasts((list) => [...list.slice(-2), toast]);
    // One with an action (Undo) stays until used or dismissed: it must be reachable.
    if (!options?.action) setTimeout(() => setToasts((list) => list.filter((t) => t.id !== toast.id)), 5000);
  }, []);
  return (
    <ToastContext.Provider value={show}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast ${t.tone}`} role={t.tone === "error" ? "alert" : undefined}>
            <span>{t.text}</span>
            {t.action && (
              <button className="link-button" onClick={() => { t.action!.run(); setToasts((l) => l.filter((x) => x.id !== t.id)); }}>
                {t.action.label}
              </button>
            )}
            {t.action && (
              <button className="icon-button toast-close" aria-label="Dismiss" onClick={() => setToasts((l) => l.filter((x) => x.id !== t.id))}>×</button>
            )}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): Show {
  return useContext(ToastContext);
}
