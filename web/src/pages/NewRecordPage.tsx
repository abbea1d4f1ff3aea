import { useNavigate, useParams, useSearchParams } from "react-router";
import { api } from "../api/client";
import type { FieldValue, RecordData } from "../api/types";
import { useMetadata } from "../app/metadata";
import { useSignedIn } from "../app/session";
import { RecordForm } from "../components/RecordForm";
import { useToast } from "../components/toast";
import { Breadcrumbs } from "../components/ui";
import { recordTitle } from "../lib/titles";
import { NotFound } from "./NotFound";

// /o/:object/new, prefilled from the query string (a related list's "Add" passes the
// lookup to its parent: /o/people/new?company_id=...).
export function NewRecordPage() {
  const { object: objectName = "" } = useParams();
  const [params] = useSearchParams();
  const { object } = useMetadata();
  const me = useSignedIn();
  const navigate = useNavigate();
  const toast = useToast();
  const meta = object(objectName);
  if (!meta) return <NotFound what="list" />;
  const initial: Record<string, FieldValue> = {};
  for (const f of meta.fields) {
    const v = params.get(f.name);
    if (v !== null) initial[f.name] = v;
  }
  if (meta.fields.some((f) => f.name === "owner_id") && initial.owner_id === undefined) initial.owner_id = me.user_id;
  return (
    <div className="page form-page">
      <Breadcrumbs items={[{ label: "Home", to: "/" }, { label: meta.label_plural, to: `/o/${meta.name}` }, { label: `New ${meta.label.toLowerCase()}` }]} />
      <div className="page-head"><h1>New {meta.label.toLowerCase()}</h1></div>
      <RecordForm
        meta={meta}
        initial={initial}
        submitLabel={`Create ${meta.label.toLowerCase()}`}
        onCancel={() => navigate(-1)}
        onSubmit={async (values) => {
          const record = await api.post<RecordData>(`/objects/${meta.name}`, values);
          toast(`${meta.label} “${recordTitle(meta, record)}” created.`);
          navigate(`/o/${meta.name}/${record.id}`, { replace: true });
          return record;
        }}
      />
    </div>
  );
}
