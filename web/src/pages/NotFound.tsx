import { Link } from "react-router";
import { EmptyState } from "../components/ui";

export function NotFound({ what = "page" }: { what?: string }) {
  return (
    <EmptyState title={`This ${what} does not exist`} action={<Link className="button" to="/">Go home</Link>}>
      It may have been deleted, or you may not have access to it.
    </EmptyState>
  );
}
