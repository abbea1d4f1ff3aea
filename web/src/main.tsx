import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { prefetch } from "./api/client";
import { App } from "./App";
import { registerServiceWorker } from "./lib/offline";
import { applyStoredTheme } from "./lib/theme";
import "./styles.css";

// Who is signed in and the data model, fetched while the code starts.
prefetch("/auth/session");
prefetch("/metadata/objects");
applyStoredTheme();
registerServiceWorker();
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
