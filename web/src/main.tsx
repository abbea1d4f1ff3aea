import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { peekPrefetched, prefetch } from "./api/client";
import { App } from "./App";
import { prefetchListOfLocation } from "./lib/listQuery";
import { registerServiceWorker } from "./lib/offline";
import { applyStoredTheme } from "./lib/theme";
import "./styles.css";

// Who is signed in and the data model (index.html preloads both, and these take those
// answers), then the list's first page if a list is what is being opened.
prefetch("/auth/session");
prefetch("/metadata/objects");
const ahead = Promise.all([peekPrefetched("/auth/session"), peekPrefetched("/metadata/objects"), prefetchListOfLocation()]);
applyStoredTheme();
registerServiceWorker();
// The first render waits for those answers (a few ms once the code has started; at most
// 300 ms, when spinners would show anyway), so it draws the page whole, rows included,
// and the browser lays it out once, rather than rendering spinners, then an empty
// list, then its rows.
// (Not a top-level await: the bundler would split the shared modules out of the entry.)
void Promise.race([ahead, new Promise((resolve) => setTimeout(resolve, 300))]).then(() =>
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);
