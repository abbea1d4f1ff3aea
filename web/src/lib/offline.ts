// The service worker (public/sw.js) keeps recently viewed records readable offline.
export function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js").catch(() => {
      // Offline reading is an extra; the app works without it.
    });
  });
}

// Forgets cached records (on sign-out), so they do not outlive the session here.
export async function clearOfflineData(): Promise<void> {
  try {
    navigator.serviceWorker?.controller?.postMessage("clear-data");
    if ("caches" in window) await caches.delete("rapport-data-v1");
  } catch {
    // No cache storage: nothing to clear.
  }
}
