import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { prefetch } from "./api/client";
import { App } from "./App";
import { prefetchListOfLocation } from "./lib/listQuery";
import { registerServiceWorker } from "./lib/offline";
import { applyStoredTheme } from "./lib/theme";
import "./styles.css";

// Who is signed in and the data model (index.html preloads both, and these take those
// answers), then the list's first page if a list is what is being opened.
prefetch("/auth/session");
prefetch("/metadata/objects");
void prefetchListOfLocation();
applyStoredTheme();
registerServiceWorker();
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
