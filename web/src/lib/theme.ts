// Light or dark: the system's choice until the user picks one.
import { useEffect } from "react";
import { useStored } from "./storage";

export type Theme = "light" | "dark";

function systemTheme(): Theme {
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function useTheme(): [Theme, (t: Theme) => void] {
  const [stored, setStored] = useStored<Theme | null>("rapport:theme", null);
  const theme = stored ?? systemTheme();
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  return [theme, setStored];
}

export function applyStoredTheme(): void {
  try {
    const stored = JSON.parse(localStorage.getItem("rapport:theme") ?? "null") as Theme | null;
    document.documentElement.dataset.theme = stored ?? systemTheme();
  } catch {
    document.documentElement.dataset.theme = systemTheme();
  }
}
