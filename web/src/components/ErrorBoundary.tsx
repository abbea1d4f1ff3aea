// Catches what a page throws while rendering, most often a page's code that could not
// be fetched (offline, or a tab left open across an upgrade that removed old files),
// and offers a reload instead of leaving a blank window.
import { Component, type ReactNode } from "react";

interface State {
  error: Error | null;
}

export class PageErrorBoundary extends Component<{ children: ReactNode }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  render() {
    if (!this.state.error) return this.props.children;
    const chunk = /dynamically imported module|Importing a module script failed|Failed to fetch/i.test(this.state.error.message);
    return (
      <div className="center-page">
        <div className="banner error" role="alert">
          <p>
            {chunk
              ? navigator.onLine
                ? "This page could not be loaded: Rapport may have been upgraded since this tab was opened."
                : "This page could not be loaded while offline. Pages you opened before are still here."
              : `Something went wrong on this page: ${this.state.error.message}`}
          </p>
          <button className="button" onClick={() => window.location.reload()}>Reload</button>
        </div>
      </div>
    );
  }
}
