// Home: what needs doing today (my open tasks), what I was working on (recent and
// favourite records), and a way into every list.
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { api, query } from "../api/client";
import type { ListPage, RecordData } from "../api/types";
import { navigationObjects, useMetadata } from "../app/metadata";
import { useSignedIn } from "../app/session";
import { Pending } from "../components/ui";
import { formatDateTime } from "../fields/format";
import { useStored, type RecentRecord } from "../lib/storage";

export function HomePage() {
  const me = useSignedIn();
  const { objects, object } = useMetadata();
  const [tasks, setTasks] = useState<RecordData[] | null>(null);
  const [recent] = useStored<RecentRecord[]>(`rapport:${me.user_id}:recent`, []);
  const [favourites] = useStored<RecentRecord[]>(`rapport:${me.user_id}:favourites`, []);
  const hasActivities = !!object("activities");

  useEffect(() => {
    if (!hasActivities) return setTasks([]);
    api
      .get<ListPage>(`/objects/activities${query({ filter: `type = "task" and done != true and owner_id = me()`, sort: "due_at", limit: 10 })}`)
      .then((p) => setTasks(p.data), () => setTasks([]));
  }, [hasActivities]);

  const hour = new Date().getHours();
  const greeting = hour < 12 ? "Good morning" : hour < 18 ? "Good afternoon" : "Good evening";
  return (
    <div className="page home-page">
      <div className="page-head"><h1>{greeting}{me.name && me.name !== "You" ? `, ${me.name.split(" ")[0]}` : ""}</h1></div>
      <div className="home-grid">
        <section className="panel" aria-labelledby="tasks-title">
          <h2 id="tasks-title">My open tasks</h2>
          {tasks === null ? <Pending inline /> : tasks.length === 0 ? (
            <p className="muted">No open tasks. Add one from any record's timeline.</p>
          ) : (
            <ul className="related-list">
              {tasks.map((t) => (
                <li key={t.id}>
                  <Link to={`/o/activities/${t.id}`}>{String(t.subject ?? "Task")}</Link>
                  {typeof t.due_at === "string" && (
                    <span className={new Date(t.due_at) < new Date() ? "related-meta overdue" : "related-meta"}>{formatDateTime(t.due_at)}</span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="panel" aria-labelledby="recent-title">
          <h2 id="recent-title">Recently viewed</h2>
          {recent.length === 0 ? <p className="muted">Records you open appear here, and stay readable offline.</p> : (
            <ul className="related-list">
              {recent.map((r) => (
                <li key={`${r.object}/${r.id}`}>
                  <Link to={`/o/${r.object}/${r.id}`}>{r.title}</Link>
                  <span className="related-meta">{object(r.object)?.label}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        {favourites.length > 0 && (
          <section className="panel" aria-labelledby="fav-title">
            <h2 id="fav-title">Favourites</h2>
            <ul className="related-list">
              {favourites.map((r) => <li key={`${r.object}/${r.id}`}><Link to={`/o/${r.object}/${r.id}`}>★ {r.title}</Link></li>)}
            </ul>
          </section>
        )}
        <section className="panel" aria-labelledby="lists-title">
          <h2 id="lists-title">Lists</h2>
          <ul className="tile-list">
            {navigationObjects(objects).map((o) => <li key={o.name}><Link className="tile" to={`/o/${o.name}`}>{o.label_plural}</Link></li>)}
            {object("opportunities") && <li><Link className="tile" to="/o/opportunities/board">Pipeline board</Link></li>}
          </ul>
        </section>
      </div>
    </div>
  );
}
